// os::pipe and FIFOs between two processes, conduit on both sides versus raw blocking
// read(2)/write(2) on both sides, in one run:
//
//   RoundTrip64   the parent writes 64 bytes, the peer reads them and writes them back,
//                 the parent reads them (one round trip per iteration)
//   Bulk64K       the parent writes 64 KiB per iteration, the peer reads and discards
//
// The peer is this binary run again with CONDUIT_BENCH_PEER set (checked before
// benchmark's main runs). conduit's side spins for the runtime's spin budget before it
// sleeps in poll(2): the RoundTrip64 argument is that budget in ns (-1: the default), given
// to both processes.
//
//   build/release/bench/bench_os
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <conduit/io/io.hpp>
#include <conduit/os/exec.hpp>
#include <conduit/os/fifo.hpp>
#include <conduit/os/file.hpp>
#include <conduit/runtime/park.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace {

namespace os = conduit::os;
using namespace std::chrono_literals;

constexpr std::size_t kMsg = 64;
constexpr std::size_t kChunk = 64 * 1024;

// ---- the peer process --------------------------------------------------------------------

bool raw_read_full(int fd, char* p, std::size_t n) {
  while (n > 0) {
    ssize_t r = ::read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool raw_write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// mode: "<echo|sink>_<raw|conduit>"; fds: 0 in, 1 out, or the FIFOs named by
// CONDUIT_BENCH_FIFO_IN / _OUT.
int run_peer(const std::string& mode) {
  const bool raw = mode.ends_with("_raw");
  const bool echo = mode.starts_with("echo");
  const char* fin = std::getenv("CONDUIT_BENCH_FIFO_IN");
  const char* fout = std::getenv("CONDUIT_BENCH_FIFO_OUT");
  if (raw) {
    int in = 0, out = 1;
    if (fin != nullptr) {
      in = ::open(fin, O_RDONLY | O_CLOEXEC);
      out = echo ? ::open(fout, O_WRONLY | O_CLOEXEC) : -1;
    }
    std::vector<char> buf(kChunk);
    for (;;) {
      if (echo) {
        if (!raw_read_full(in, buf.data(), kMsg) || !raw_write_all(out, buf.data(), kMsg)) break;
      } else if (::read(in, buf.data(), buf.size()) <= 0) {
        break;
      }
    }
    return 0;
  }
  os::file in, out;
  if (fin != nullptr) {
    auto i = os::open_fifo(fin, os::fifo_end::read, conduit::deadline::after(30s));
    if (!i) return 2;
    in = std::move(*i);
    if (echo) {
      auto o = os::open_fifo(fout, os::fifo_end::write, conduit::deadline::after(30s));
      if (!o) return 2;
      out = std::move(*o);
    }
  } else {
    in = os::file(conduit::unique_fd(::dup(0)));
    out = os::file(conduit::unique_fd(::dup(1)));
  }
  std::vector<std::byte> buf(kChunk);
  for (;;) {
    if (echo) {
      auto msg = std::span(buf).first(kMsg);
      if (conduit::io::read_full(in, msg).err || out.write(msg).err) break;
    } else if (!in.read(buf)) {
      break;
    }
  }
  return 0;
}

[[maybe_unused]] const int kPeerCheck = [] {
  if (const char* m = std::getenv("CONDUIT_BENCH_PEER")) std::_Exit(run_peer(m));
  return 0;
}();

// ---- the parent side ---------------------------------------------------------------------

class spin_scope {
 public:
  explicit spin_scope(std::int64_t ns) : old_(conduit::runtime::spin_budget()) {
    if (ns >= 0) conduit::runtime::set_spin_budget(std::chrono::nanoseconds(ns));
  }
  ~spin_scope() { conduit::runtime::set_spin_budget(old_); }

 private:
  std::chrono::nanoseconds old_;
};

os::command peer(const std::string& mode, std::int64_t spin_ns) {
  os::command c("/proc/self/exe");
  c.set_env("CONDUIT_BENCH_PEER", mode);
  c.set_env("CONDUIT_SPIN_NS",
            std::to_string(spin_ns >= 0 ? spin_ns : conduit::runtime::spin_budget().count()));
  return c;
}

// A temporary directory with two FIFOs: p2c (parent to child) and c2p.
struct fifo_dir {
  std::filesystem::path dir;
  fifo_dir() {
    char tmpl[] = "/tmp/conduit_bench_XXXXXX";
    dir = ::mkdtemp(tmpl);
    (void)os::mkfifo(dir / "p2c");
    (void)os::mkfifo(dir / "c2p");
  }
  ~fifo_dir() { std::filesystem::remove_all(dir); }
};

// conduit on both sides. fifo: FIFOs instead of anonymous pipes.
void conduit_pair(benchmark::State& state, bool echo, bool fifo) {
  spin_scope spin(echo ? state.range(0) : -1);
  fifo_dir fd;
  os::command c = peer(echo ? "echo_conduit" : "sink_conduit", echo ? state.range(0) : -1);
  os::file to, from;
  if (fifo) {
    c.set_env("CONDUIT_BENCH_FIFO_IN", (fd.dir / "p2c").string());
    c.set_env("CONDUIT_BENCH_FIFO_OUT", (fd.dir / "c2p").string());
  } else {
    auto i = c.stdin_pipe();
    if (!i) return state.SkipWithError("pipe");
    to = std::move(*i);
    if (echo) {
      auto o = c.stdout_pipe();
      if (!o) return state.SkipWithError("pipe");
      from = std::move(*o);
    }
  }
  if (!c.start()) return state.SkipWithError("start");
  if (fifo) {
    auto w = os::open_fifo(fd.dir / "p2c", os::fifo_end::write, conduit::deadline::after(30s));
    if (!w) return state.SkipWithError("open_fifo");
    to = std::move(*w);
    if (echo) {
      auto r = os::open_fifo(fd.dir / "c2p", os::fifo_end::read, conduit::deadline::after(30s));
      if (!r) return state.SkipWithError("open_fifo");
      from = std::move(*r);
    }
  }
  std::vector<std::byte> buf(echo ? kMsg : kChunk, std::byte{1});
  for (auto _ : state) {
    if (to.write(buf).err) state.SkipWithError("write");
    if (echo && conduit::io::read_full(from, buf).err) state.SkipWithError("read");
  }
  (void)to.close();
  (void)c.wait(conduit::deadline::after(30s));
  if (!echo) state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kChunk));
  state.counters["spin_ns"] = static_cast<double>(conduit::runtime::spin_budget().count());
}

// Raw blocking read/write on both sides.
void raw_pair(benchmark::State& state, bool echo, bool fifo) {
  fifo_dir fd;
  os::command c = peer(echo ? "echo_raw" : "sink_raw", -1);
  int to = -1, from = -1;
  conduit::unique_fd child_in, child_out;
  if (fifo) {
    c.set_env("CONDUIT_BENCH_FIFO_IN", (fd.dir / "p2c").string());
    c.set_env("CONDUIT_BENCH_FIFO_OUT", (fd.dir / "c2p").string());
  } else {
    int a[2], b[2];
    if (::pipe2(a, O_CLOEXEC) != 0 || ::pipe2(b, O_CLOEXEC) != 0)
      return state.SkipWithError("pipe");
    to = a[1];
    from = b[0];
    child_in.reset(a[0]);
    child_out.reset(b[1]);
    c.stdin_from(os::stdio::fd(a[0]));
    c.stdout_to(os::stdio::fd(b[1]));
  }
  if (!c.start()) return state.SkipWithError("start");
  child_in.reset();
  child_out.reset();
  if (fifo) {
    to = ::open((fd.dir / "p2c").c_str(), O_WRONLY | O_CLOEXEC);  // blocks until the peer opens
    from = echo ? ::open((fd.dir / "c2p").c_str(), O_RDONLY | O_CLOEXEC) : -1;
  }
  std::vector<char> buf(echo ? kMsg : kChunk, 1);
  for (auto _ : state) {
    if (!raw_write_all(to, buf.data(), buf.size())) state.SkipWithError("write");
    if (echo && !raw_read_full(from, buf.data(), kMsg)) state.SkipWithError("read");
  }
  ::close(to);
  (void)c.wait(conduit::deadline::after(30s));
  if (from >= 0) ::close(from);
  if (!echo) state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kChunk));
}

void BM_PipeRoundTrip64_Conduit(benchmark::State& s) { conduit_pair(s, true, false); }
void BM_PipeRoundTrip64_Raw(benchmark::State& s) { raw_pair(s, true, false); }
void BM_FifoRoundTrip64_Conduit(benchmark::State& s) { conduit_pair(s, true, true); }
void BM_FifoRoundTrip64_Raw(benchmark::State& s) { raw_pair(s, true, true); }
void BM_PipeBulk64K_Conduit(benchmark::State& s) { conduit_pair(s, false, false); }
void BM_PipeBulk64K_Raw(benchmark::State& s) { raw_pair(s, false, false); }
void BM_FifoBulk64K_Conduit(benchmark::State& s) { conduit_pair(s, false, true); }
void BM_FifoBulk64K_Raw(benchmark::State& s) { raw_pair(s, false, true); }

BENCHMARK(BM_PipeRoundTrip64_Raw)->UseRealTime();
BENCHMARK(BM_PipeRoundTrip64_Conduit)->Arg(-1)->Arg(0)->Arg(50000)->UseRealTime();
BENCHMARK(BM_FifoRoundTrip64_Raw)->UseRealTime();
BENCHMARK(BM_FifoRoundTrip64_Conduit)->Arg(-1)->Arg(0)->UseRealTime();
BENCHMARK(BM_PipeBulk64K_Raw)->UseRealTime();
BENCHMARK(BM_PipeBulk64K_Conduit)->UseRealTime();
BENCHMARK(BM_FifoBulk64K_Raw)->UseRealTime();
BENCHMARK(BM_FifoBulk64K_Conduit)->UseRealTime();

}  // namespace
