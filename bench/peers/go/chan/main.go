// Go peers of bench/chan/chan_bench.cpp: the same four channel programs, measured with
// testing.Benchmark, printed as ns per round trip or per item.
//
//	pingpong       unbuffered channel, one value there and back between two goroutines
//	buffered/1p1c  chan int of cap 1024, 1 producer and 1 consumer goroutine
//	buffered/4p4c  chan int of cap 1024, 4 producers and 4 consumers
//	fanin_select   4 producers, each on its own chan of cap 128; one consumer selects over
//	               the four and sets a channel to nil once it is closed
//
// Run it through bench/peers/go/run.sh, which runs it with GOMAXPROCS=1 and 2.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func pingpong(b *testing.B) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ping <- 1
		<-pong
	}
	b.StopTimer()
	close(ping)
}

// share is the part of n items that worker i of p moves.
func share(n, p, i int) int {
	s := n / p
	if i < n%p {
		s++
	}
	return s
}

func buffered(p int) func(b *testing.B) {
	return func(b *testing.B) {
		ch := make(chan int, 1024)
		var wg sync.WaitGroup
		b.ResetTimer()
		for i := 0; i < p; i++ {
			wg.Add(2)
			go func(n int) {
				defer wg.Done()
				for k := 0; k < n; k++ {
					ch <- k
				}
			}(share(b.N, p, i))
			go func(n int) {
				defer wg.Done()
				for k := 0; k < n; k++ {
					<-ch
				}
			}(share(b.N, p, i))
		}
		wg.Wait()
	}
}

func faninSelect(b *testing.B) {
	var cs [4]chan int
	for i := range cs {
		cs[i] = make(chan int, 128)
	}
	b.ResetTimer()
	for i := range cs {
		go func(c chan int, n int) {
			for k := 0; k < n; k++ {
				c <- k
			}
			close(c)
		}(cs[i], share(b.N, 4, i))
	}
	got := 0
	for open := 4; open > 0; {
		select {
		case _, ok := <-cs[0]:
			if ok {
				got++
			} else {
				cs[0] = nil
				open--
			}
		case _, ok := <-cs[1]:
			if ok {
				got++
			} else {
				cs[1] = nil
				open--
			}
		case _, ok := <-cs[2]:
			if ok {
				got++
			} else {
				cs[2] = nil
				open--
			}
		case _, ok := <-cs[3]:
			if ok {
				got++
			} else {
				cs[3] = nil
				open--
			}
		}
	}
	if got != b.N {
		fmt.Fprintf(os.Stderr, "fanin_select: got %d items, want %d\n", got, b.N)
		os.Exit(1)
	}
}

func main() {
	runs := flag.Int("runs", 1, "measure each case this many times")
	only := flag.String("case", "", "run only the cases whose name contains this")
	flag.Parse()
	fmt.Printf("%s GOMAXPROCS=%d\n", runtime.Version(), runtime.GOMAXPROCS(0))
	cases := []struct {
		name, unit string
		f          func(*testing.B)
	}{
		{"pingpong", "ns_per_rtt", pingpong},
		{"buffered/1p1c", "ns_per_item", buffered(1)},
		{"buffered/4p4c", "ns_per_item", buffered(4)},
		{"fanin_select", "ns_per_item", faninSelect},
	}
	for _, c := range cases {
		if !strings.Contains(c.name, *only) {
			continue
		}
		for r := 0; r < *runs; r++ {
			res := testing.Benchmark(c.f)
			ns := float64(res.T.Nanoseconds()) / float64(res.N)
			fmt.Printf("%-16s %s=%.1f (N=%d)\n", c.name, c.unit, ns, res.N)
		}
	}
}
