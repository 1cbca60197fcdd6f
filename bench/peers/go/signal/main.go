// Signal round trip between two Go processes, the peer of bench/signal/signal_rtt_bench.cpp:
// A sends SIGUSR1 to B; B, notified through signal.Notify, answers with SIGUSR2; A waits
// for it through signal.Notify. Prints ns per round trip.
//
//   go run bench/peers/go/signal/main.go [rounds]
package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func child() {
	c := make(chan os.Signal, 16)
	signal.Notify(c, syscall.SIGUSR1, syscall.SIGTERM)
	parent := os.Getppid()
	os.Stdout.Write([]byte("r"))
	for s := range c {
		if s == syscall.SIGTERM {
			return
		}
		syscall.Kill(parent, syscall.SIGUSR2)
	}
}

func main() {
	if os.Getenv("CONDUIT_GO_SIGNAL_CHILD") != "" {
		child()
		return
	}
	rounds := 20000
	if len(os.Args) > 1 {
		rounds, _ = strconv.Atoi(os.Args[1])
	}
	c := make(chan os.Signal, 16)
	signal.Notify(c, syscall.SIGUSR2)
	exe, _ := os.Executable()
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "CONDUIT_GO_SIGNAL_CHILD=1")
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		panic(err)
	}
	buf := make([]byte, 1)
	out.Read(buf)
	pid := cmd.Process.Pid
	round := func() {
		syscall.Kill(pid, syscall.SIGUSR1)
		<-c
	}
	for i := 0; i < 200; i++ {
		round()
	}
	start := time.Now()
	for i := 0; i < rounds; i++ {
		round()
	}
	ns := float64(time.Since(start).Nanoseconds()) / float64(rounds)
	syscall.Kill(pid, syscall.SIGTERM)
	cmd.Wait()
	fmt.Printf("go signal_rtt: %.0f ns/rtt\n", ns)
}
