// io::pipe between two threads: bulk throughput with 64 KiB writes, and a 64-byte ping-pong
// (one write and one read each way per round trip). Beside them, for context, the same
// ping-pong over a kernel pipe pair with raw blocking read/write. Go's io.Pipe peer:
// bench/peers/go/io_pipe (run with bench/peers/go/run.sh io_pipe).
//
//   build/release/bench/bench_io --benchmark_filter=IoPipe
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <conduit/io/io.hpp>
#include <conduit/io/pipe.hpp>
#include <conduit/runtime/park.hpp>
#include <thread>
#include <vector>

namespace io = conduit::io;

namespace {

// Sets the runtime's spin budget for one benchmark and restores it after.
class spin_scope {
 public:
  explicit spin_scope(std::int64_t ns) : old_(conduit::runtime::spin_budget()) {
    if (ns >= 0) conduit::runtime::set_spin_budget(std::chrono::nanoseconds(ns));
  }
  ~spin_scope() { conduit::runtime::set_spin_budget(old_); }

 private:
  std::chrono::nanoseconds old_;
};

void BM_IoPipeBulk64K(benchmark::State& state) {
  constexpr std::size_t kChunk = 64 * 1024;
  auto [r, w] = io::pipe();
  std::thread writer([&w] {
    std::vector<std::byte> chunk(kChunk, std::byte{0x5a});
    while (!w.write(chunk).err) {
    }
  });
  std::vector<std::byte> buf(kChunk);
  for (auto _ : state) {
    std::size_t got = 0;
    while (got < kChunk) {
      auto n = r.read(std::span(buf).subspan(got));
      if (!n) state.SkipWithError("read failed");
      got += n.value_or(kChunk);
    }
  }
  r.close();  // the writer's next write fails and it leaves
  writer.join();
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kChunk));
}
BENCHMARK(BM_IoPipeBulk64K)->UseRealTime();

void BM_IoPipePingPong64(benchmark::State& state) {
  spin_scope spin(state.range(0));
  auto [r1, w1] = io::pipe();
  auto [r2, w2] = io::pipe();
  std::thread echo([&] {
    std::byte msg[64];
    for (;;) {
      if (io::read_full(r1, msg).err) break;
      if (w2.write(msg).err) break;
    }
  });
  std::byte msg[64] = {};
  for (auto _ : state) {
    if (w1.write(msg).err || io::read_full(r2, msg).err) state.SkipWithError("round trip failed");
  }
  w1.close();
  echo.join();
  state.counters["spin_ns"] = static_cast<double>(conduit::runtime::spin_budget().count());
}
// Argument: the runtime's spin budget in ns (-1: the default).
BENCHMARK(BM_IoPipePingPong64)->Arg(-1)->Arg(0)->Arg(50000)->UseRealTime();

// Context: the same ping-pong over two kernel pipes, blocking read/write, two threads.
void BM_RawKernelPipePingPong64Threads(benchmark::State& state) {
  int a[2], b[2];
  if (::pipe2(a, O_CLOEXEC) != 0 || ::pipe2(b, O_CLOEXEC) != 0) {
    state.SkipWithError("pipe2");
    return;
  }
  std::thread echo([&] {
    char msg[64];
    for (;;) {
      std::size_t got = 0;
      while (got < sizeof msg) {
        ssize_t n = ::read(a[0], msg + got, sizeof msg - got);
        if (n <= 0) return;
        got += static_cast<std::size_t>(n);
      }
      if (::write(b[1], msg, sizeof msg) != static_cast<ssize_t>(sizeof msg)) return;
    }
  });
  char msg[64] = {};
  for (auto _ : state) {
    if (::write(a[1], msg, sizeof msg) != static_cast<ssize_t>(sizeof msg)) break;
    std::size_t got = 0;
    while (got < sizeof msg) {
      ssize_t n = ::read(b[0], msg + got, sizeof msg - got);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
  }
  ::close(a[1]);
  echo.join();
  ::close(a[0]);
  ::close(b[0]);
  ::close(b[1]);
}
BENCHMARK(BM_RawKernelPipePingPong64Threads)->UseRealTime();

}  // namespace
