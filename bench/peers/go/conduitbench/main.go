// The Go peer of tools/conduit-bench: the same mechanisms, measured the same way (p50/p99
// round trip of -size bytes, bulk GB/s with 64 KiB writes for -duration seconds), printed as
// one JSON object per line. conduit-bench builds and runs it when go is installed.
//
//	go run . -duration 0.4 -size 64 -only chan,pipe
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

type result struct {
	Name string   `json:"name"`
	P50  float64  `json:"p50_ns,omitempty"`
	P99  float64  `json:"p99_ns,omitempty"`
	Mean float64  `json:"mean_ns,omitempty"`
	Min  float64  `json:"min_ns,omitempty"`
	Max  float64  `json:"max_ns,omitempty"`
	N    int      `json:"samples,omitempty"`
	GBps *float64 `json:"gbps,omitempty"`
	Note string   `json:"note,omitempty"`
}

var (
	duration = flag.Float64("duration", 0.4, "seconds per measurement")
	size     = flag.Int("size", 64, "round-trip message size")
	only     = flag.String("only", "", "comma-separated mechanisms")
)

const chunk = 64 * 1024

func measure(r *result, round func() bool) bool {
	for i := 0; i < 50; i++ {
		if !round() {
			return false
		}
	}
	end := time.Now().Add(time.Duration(*duration * float64(time.Second)))
	var s []float64
	for {
		t0 := time.Now()
		if !round() {
			return false
		}
		t1 := time.Now()
		s = append(s, float64(t1.Sub(t0).Nanoseconds()))
		if (t1.After(end) && len(s) >= 100) || len(s) >= 4000000 {
			break
		}
	}
	sort.Float64s(s)
	at := func(q float64) float64 { return s[int(q*float64(len(s)-1)+0.5)] }
	sum := 0.0
	for _, v := range s {
		sum += v
	}
	r.P50, r.P99, r.Min, r.Max, r.N = at(0.5), at(0.99), s[0], s[len(s)-1], len(s)
	r.Mean = sum / float64(len(s))
	return true
}

func bulk(r *result, w io.WriteCloser, done func() int64) {
	buf := make([]byte, chunk)
	start := time.Now()
	end := start.Add(time.Duration(*duration * float64(time.Second)))
	var sent int64
	for time.Now().Before(end) {
		n, err := w.Write(buf)
		sent += int64(n)
		if err != nil {
			break
		}
	}
	w.Close()
	got := done()
	secs := time.Since(start).Seconds()
	if got == sent {
		g := float64(sent) / secs / 1e9
		r.GBps = &g
	}
}

func chanCase() result {
	r := result{Name: "chan"}
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	measure(&r, func() bool { ping <- 1; <-pong; return true })
	close(ping)
	return r
}

func ioPipeCase() result {
	r := result{Name: "io_pipe"}
	r1, w1 := io.Pipe()
	r2, w2 := io.Pipe()
	go func() {
		buf := make([]byte, *size)
		for {
			if _, err := io.ReadFull(r1, buf); err != nil {
				w2.Close()
				return
			}
			w2.Write(buf)
		}
	}()
	msg, back := make([]byte, *size), make([]byte, *size)
	measure(&r, func() bool {
		w1.Write(msg)
		_, err := io.ReadFull(r2, back)
		return err == nil
	})
	w1.Close()
	rb, wb := io.Pipe()
	total := make(chan int64)
	go func() {
		n, _ := io.Copy(io.Discard, rb)
		total <- n
	}()
	bulk(&r, wb, func() int64 { return <-total })
	return r
}

// Child processes: this program re-executed with CONDUIT_GO_CHILD=<mode>.
func child(mode string) {
	switch mode {
	case "echo":
		buf := make([]byte, *size)
		in, out := os.NewFile(3, "in"), os.NewFile(4, "out")
		for {
			if _, err := io.ReadFull(in, buf); err != nil {
				return
			}
			out.Write(buf)
		}
	case "sink":
		in, out := os.NewFile(3, "in"), os.NewFile(4, "out")
		n, _ := io.Copy(io.Discard, in)
		fmt.Fprintf(out, "%d\n", n)
	case "fifo_echo", "fifo_sink":
		in, _ := os.OpenFile(os.Getenv("CONDUIT_GO_IN"), os.O_RDONLY, 0)
		out, _ := os.OpenFile(os.Getenv("CONDUIT_GO_OUT"), os.O_WRONLY, 0)
		if mode == "fifo_echo" {
			buf := make([]byte, *size)
			for {
				if _, err := io.ReadFull(in, buf); err != nil {
					return
				}
				out.Write(buf)
			}
		}
		n, _ := io.Copy(io.Discard, in)
		fmt.Fprintf(out, "%d\n", n)
	case "sock_echo", "sock_sink", "udp_echo":
		network, addr := os.Getenv("CONDUIT_GO_NET"), os.Getenv("CONDUIT_GO_ADDR")
		c, err := net.Dial(network, addr)
		if err != nil {
			os.Exit(2)
		}
		defer c.Close()
		switch mode {
		case "sock_echo":
			buf := make([]byte, *size)
			for {
				if _, err := io.ReadFull(c, buf); err != nil {
					return
				}
				c.Write(buf)
			}
		case "sock_sink":
			buf := make([]byte, chunk)
			var n int64
			for {
				k, err := c.Read(buf)
				n += int64(k)
				if err != nil {
					break
				}
			}
			fmt.Fprintf(c, "%d\n", n)
		case "udp_echo":
			buf := make([]byte, *size)
			c.Write(buf) // hello: our address
			for {
				c.SetReadDeadline(time.Now().Add(time.Second))
				k, err := c.Read(buf)
				if err != nil || k == 1 {
					return
				}
				c.Write(buf[:k])
			}
		}
	case "signal_b":
		c := make(chan os.Signal, 16)
		signal.Notify(c, syscall.SIGUSR1, syscall.SIGTERM)
		parent := os.Getppid()
		os.NewFile(3, "ready").Write([]byte("r"))
		for s := range c {
			if s == syscall.SIGTERM {
				return
			}
			syscall.Kill(parent, syscall.SIGUSR2)
		}
	}
}

func spawn(mode string, files []*os.File, env ...string) *exec.Cmd {
	exe, _ := os.Executable()
	cmd := exec.Command(exe, fmt.Sprintf("-size=%d", *size))
	cmd.Env = append(append(os.Environ(), "CONDUIT_GO_CHILD="+mode), env...)
	cmd.ExtraFiles = files
	if err := cmd.Start(); err != nil {
		panic(err)
	}
	return cmd
}

func readCount(f io.Reader) int64 {
	var n int64
	fmt.Fscanf(f, "%d\n", &n)
	return n
}

func pipeCase() result {
	r := result{Name: "pipe"}
	toR, toW, _ := os.Pipe()
	fromR, fromW, _ := os.Pipe()
	cmd := spawn("echo", []*os.File{toR, fromW})
	toR.Close()
	fromW.Close()
	msg, back := make([]byte, *size), make([]byte, *size)
	measure(&r, func() bool {
		toW.Write(msg)
		_, err := io.ReadFull(fromR, back)
		return err == nil
	})
	toW.Close()
	cmd.Wait()
	fromR.Close()
	toR, toW, _ = os.Pipe()
	fromR, fromW, _ = os.Pipe()
	cmd = spawn("sink", []*os.File{toR, fromW})
	toR.Close()
	fromW.Close()
	bulk(&r, toW, func() int64 { return readCount(fromR) })
	cmd.Wait()
	fromR.Close()
	return r
}

func fifoCase() result {
	r := result{Name: "fifo"}
	dir, _ := os.MkdirTemp("", "conduit-bench-go")
	defer os.RemoveAll(dir)
	for _, mode := range []string{"fifo_echo", "fifo_sink"} {
		a, b := filepath.Join(dir, mode+"_a"), filepath.Join(dir, mode+"_b")
		syscall.Mkfifo(a, 0600)
		syscall.Mkfifo(b, 0600)
		cmd := spawn(mode, nil, "CONDUIT_GO_IN="+a, "CONDUIT_GO_OUT="+b)
		w, _ := os.OpenFile(a, os.O_WRONLY, 0)
		rd, _ := os.OpenFile(b, os.O_RDONLY, 0)
		if mode == "fifo_echo" {
			msg, back := make([]byte, *size), make([]byte, *size)
			measure(&r, func() bool {
				w.Write(msg)
				_, err := io.ReadFull(rd, back)
				return err == nil
			})
			w.Close()
		} else {
			bulk(&r, w, func() int64 { return readCount(rd) })
		}
		cmd.Wait()
		rd.Close()
	}
	return r
}

func sockCase(name, network string) result {
	r := result{Name: name}
	for _, mode := range []string{"sock_echo", "sock_sink"} {
		addr := "127.0.0.1:0"
		if network != "tcp" {
			addr = fmt.Sprintf("@conduit-bench-go-%s-%d-%s", network, os.Getpid(), mode)
		}
		ln, err := net.Listen(network, addr)
		if err != nil {
			r.Note = err.Error()
			return r
		}
		cmd := spawn(mode, nil, "CONDUIT_GO_NET="+network, "CONDUIT_GO_ADDR="+ln.Addr().String())
		c, err := ln.Accept()
		ln.Close()
		if err != nil {
			r.Note = err.Error()
			return r
		}
		if mode == "sock_echo" {
			msg, back := make([]byte, *size), make([]byte, *size)
			measure(&r, func() bool {
				c.Write(msg)
				_, err := io.ReadFull(c, back)
				return err == nil
			})
			c.Close()
		} else {
			w := halfCloser{c}
			bulk(&r, w, func() int64 { return readCount(c) })
			c.Close()
		}
		cmd.Wait()
	}
	return r
}

// halfCloser closes only the writing side, so that the count can still be read back.
type halfCloser struct{ c net.Conn }

func (h halfCloser) Write(p []byte) (int, error) { return h.c.Write(p) }
func (h halfCloser) Close() error {
	switch c := h.c.(type) {
	case *net.TCPConn:
		return c.CloseWrite()
	case *net.UnixConn:
		return c.CloseWrite()
	}
	return nil
}

func udpCase() result {
	r := result{Name: "udp"}
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		r.Note = err.Error()
		return r
	}
	defer pc.Close()
	cmd := spawn("udp_echo", nil, "CONDUIT_GO_NET=udp", "CONDUIT_GO_ADDR="+pc.LocalAddr().String())
	back := make([]byte, *size)
	pc.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, peer, err := pc.ReadFromUDP(back)
	if err != nil {
		r.Note = err.Error()
		cmd.Wait()
		return r
	}
	msg := make([]byte, *size)
	measure(&r, func() bool {
		pc.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := pc.WriteToUDP(msg, peer); err != nil {
			return false
		}
		_, _, err := pc.ReadFromUDP(back)
		return err == nil
	})
	pc.WriteToUDP(msg[:1], peer)
	cmd.Wait()
	return r
}

func signalCase() result {
	r := result{Name: "signal"}
	c := make(chan os.Signal, 16)
	signal.Notify(c, syscall.SIGUSR2)
	defer signal.Stop(c)
	readyR, readyW, _ := os.Pipe()
	cmd := spawn("signal_b", []*os.File{readyW})
	readyW.Close()
	readyR.Read(make([]byte, 1))
	readyR.Close()
	pid := cmd.Process.Pid
	measure(&r, func() bool {
		syscall.Kill(pid, syscall.SIGUSR1)
		select {
		case <-c:
			return true
		case <-time.After(10 * time.Second):
			return false
		}
	})
	syscall.Kill(pid, syscall.SIGTERM)
	cmd.Wait()
	return r
}

func main() {
	flag.Parse()
	if mode := os.Getenv("CONDUIT_GO_CHILD"); mode != "" {
		child(mode)
		return
	}
	cases := []struct {
		name string
		f    func() result
	}{
		{"chan", chanCase}, {"io_pipe", ioPipeCase}, {"pipe", pipeCase}, {"fifo", fifoCase},
		{"unix", func() result { return sockCase("unix", "unix") }},
		{"seqpacket", func() result { return sockCase("seqpacket", "unixpacket") }},
		{"tcp", func() result { return sockCase("tcp", "tcp") }},
		{"udp", udpCase},
		{"signal", signalCase},
	}
	want := map[string]bool{}
	for _, n := range strings.Split(*only, ",") {
		if n != "" {
			want[n] = true
		}
	}
	enc := json.NewEncoder(os.Stdout)
	for _, c := range cases {
		if len(want) > 0 && !want[c.name] {
			continue
		}
		enc.Encode(c.f())
	}
}
