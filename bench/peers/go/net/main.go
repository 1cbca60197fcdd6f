// Go peers of bench/net/net_bench.cpp: the same cases with Go's net package, measured with
// testing.Benchmark, the peer a goroutine of this process.
//
//	tcp_roundtrip64   64 bytes there and back over TCP loopback (TCP_NODELAY, Go's default)
//	unix_roundtrip64  the same over a Unix stream socket
//	tcp_bulk64k       64 KiB writes, drained by the peer (reported in GB/s)
//	unix_bulk64k      the same over a Unix stream socket
//	tcp_accept        Dial + Accept + Close both per iteration (connections/s)
//	unix_accept       the same over a Unix stream socket
//
// Run it through bench/peers/go/run.sh net, which runs it with GOMAXPROCS=1 and 2.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

var seq int

func listen(network string) net.Listener {
	addr := "127.0.0.1:0"
	if network == "unix" {
		seq++
		addr = filepath.Join(os.TempDir(), fmt.Sprintf("conduit_go_peer_%d_%d.sock", os.Getpid(), seq))
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return ln
}

func pair(network string) (client, server net.Conn) {
	ln := listen(network)
	defer ln.Close()
	client, err := net.Dial(network, ln.Addr().String())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	server, err = ln.Accept()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return client, server
}

func roundtrip(network string) func(*testing.B) {
	return func(b *testing.B) {
		c, s := pair(network)
		go func() {
			buf := make([]byte, 64)
			for {
				if _, err := io.ReadFull(s, buf); err != nil {
					s.Close()
					return
				}
				if _, err := s.Write(buf); err != nil {
					s.Close()
					return
				}
			}
		}()
		msg := make([]byte, 64)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := c.Write(msg); err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(c, msg); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		c.Close()
	}
}

func bulk(network string) func(*testing.B) {
	return func(b *testing.B) {
		c, s := pair(network)
		done := make(chan struct{})
		go func() {
			buf := make([]byte, 64<<10)
			for {
				if _, err := s.Read(buf); err != nil {
					break
				}
			}
			s.Close()
			close(done)
		}()
		chunk := make([]byte, 64<<10)
		b.SetBytes(int64(len(chunk)))
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := c.Write(chunk); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		c.Close()
		<-done
	}
}

func accept(network string) func(*testing.B) {
	return func(b *testing.B) {
		ln := listen(network)
		defer ln.Close()
		addr := ln.Addr().String()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			c, err := net.Dial(network, addr)
			if err != nil {
				b.Fatal(err)
			}
			s, err := ln.Accept()
			if err != nil {
				b.Fatal(err)
			}
			c.Close()
			s.Close()
		}
	}
}

func main() {
	runs := flag.Int("runs", 1, "measure each case this many times")
	flag.Parse()
	fmt.Printf("%s GOMAXPROCS=%d\n", runtime.Version(), runtime.GOMAXPROCS(0))
	cases := []struct {
		name, unit string
		f          func(*testing.B)
	}{
		{"tcp_roundtrip64", "ns_per_rtt", roundtrip("tcp")},
		{"unix_roundtrip64", "ns_per_rtt", roundtrip("unix")},
		{"tcp_bulk64k", "GB_per_s", bulk("tcp")},
		{"unix_bulk64k", "GB_per_s", bulk("unix")},
		{"tcp_accept", "conns_per_s", accept("tcp")},
		{"unix_accept", "conns_per_s", accept("unix")},
	}
	for _, c := range cases {
		for r := 0; r < *runs; r++ {
			res := testing.Benchmark(c.f)
			ns := float64(res.T.Nanoseconds()) / float64(res.N)
			var v float64
			switch c.unit {
			case "GB_per_s":
				v = float64(res.Bytes) * float64(res.N) / float64(res.T.Nanoseconds())
			case "conns_per_s":
				v = 1e9 / ns
			default:
				v = ns
			}
			fmt.Printf("%-18s %s=%.2f (N=%d)\n", c.name, c.unit, v, res.N)
		}
	}
}
