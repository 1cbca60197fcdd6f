// Go peer of bench/io/io_pipe_bench.cpp: io.Pipe between two goroutines, measured with
// testing.Benchmark.
//
//	bulk64k      a writer goroutine writes 64 KiB chunks; the benchmark reads 64 KiB per op
//	pingpong64   64 bytes there and back over two io.Pipes (an echo goroutine between)
//
// Run it through bench/peers/go/run.sh io_pipe, which runs it with GOMAXPROCS=1 and 2.
package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"testing"
)

const chunk = 64 * 1024

func bulk(b *testing.B) {
	r, w := io.Pipe()
	go func() {
		buf := make([]byte, chunk)
		for {
			if _, err := w.Write(buf); err != nil {
				return
			}
		}
	}()
	buf := make([]byte, chunk)
	b.SetBytes(chunk)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := io.ReadFull(r, buf); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	r.Close()
}

func pingpong(b *testing.B) {
	r1, w1 := io.Pipe()
	r2, w2 := io.Pipe()
	go func() {
		msg := make([]byte, 64)
		for {
			if _, err := io.ReadFull(r1, msg); err != nil {
				return
			}
			if _, err := w2.Write(msg); err != nil {
				return
			}
		}
	}()
	msg := make([]byte, 64)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := w1.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(r2, msg); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	w1.Close()
}

func main() {
	runs := flag.Int("runs", 1, "measure each case this many times")
	flag.Parse()
	fmt.Printf("%s GOMAXPROCS=%d\n", runtime.Version(), runtime.GOMAXPROCS(0))
	for r := 0; r < *runs; r++ {
		res := testing.Benchmark(bulk)
		secs := res.T.Seconds()
		fmt.Printf("%-12s bytes_per_second=%.3gG/s ns_per_op=%.1f (N=%d)\n", "bulk64k",
			float64(res.N)*chunk/secs/1e9, float64(res.T.Nanoseconds())/float64(res.N), res.N)
		res = testing.Benchmark(pingpong)
		fmt.Printf("%-12s ns_per_rtt=%.1f (N=%d)\n", "pingpong64",
			float64(res.T.Nanoseconds())/float64(res.N), res.N)
	}
}
