// IPC between two processes, side by side in one run: 64-byte round trips and 64 KiB bulk
// transfers through conduit's shm_ring and message_queue, against a pipe, a Unix socketpair,
// raw blocking POSIX mq_send/mq_receive, the raw shared-memory spin floor (two processes
// bouncing one cache line) and memcpy. The peer is a fork()ed child (this process is
// single-threaded when it forks). Figures and ratios: docs/ipc.md.
//
//   build/release/bench/bench_ipc --benchmark_repetitions=5 --benchmark_report_aggregates_only
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <conduit/ipc/message_queue.hpp>
#include <conduit/ipc/shm_ring.hpp>
#include <conduit/runtime/park.hpp>
#include <cstring>
#include <string>
#include <vector>

namespace ipc = conduit::ipc;

namespace {

constexpr std::size_t kSmall = 64;
constexpr std::size_t kBulk = 64 * 1024;

std::string unique(const char* what) {
  static int seq = 0;
  return std::string("/conduit_bench_") + what + "_" + std::to_string(::getpid()) + "_" +
         std::to_string(seq++);
}

// Forks a child that runs f() and _exits with its result.
template <class F>
pid_t fork_peer(F f) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(f());
  return pid;
}

void reap(pid_t pid) {
  int status;
  ::waitpid(pid, &status, 0);
}

bool read_full(int fd, void* p, std::size_t n) {
  auto* b = static_cast<char*>(p);
  while (n > 0) {
    ssize_t r = ::read(fd, b, n);
    if (r <= 0) {
      if (r < 0 && errno == EINTR) continue;
      return false;
    }
    b += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool write_full(int fd, const void* p, std::size_t n) {
  auto* b = static_cast<const char*>(p);
  while (n > 0) {
    ssize_t r = ::write(fd, b, n);
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    b += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

// ---- the floor: two processes bouncing one cache line ----

void BM_spin_floor_rtt(benchmark::State& state) {
  void* m = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  auto* word = new (m) std::atomic<std::uint64_t>(0);
  constexpr std::uint64_t kStop = ~std::uint64_t{0};
  pid_t peer = fork_peer([word] {
    std::uint64_t seen = 0;
    for (;;) {
      std::uint64_t v = word->load(std::memory_order_acquire);
      if (v == kStop) return 0;
      if (v != seen && (v & 1) == 1) {
        seen = v + 1;
        word->store(seen, std::memory_order_release);
      }
      conduit::runtime::cpu_relax();
    }
  });
  std::uint64_t v = 0;
  for (auto _ : state) {
    word->store(++v, std::memory_order_release);  // odd: ping
    ++v;
    while (word->load(std::memory_order_acquire) != v) conduit::runtime::cpu_relax();
  }
  word->store(kStop);
  reap(peer);
  ::munmap(m, 4096);
}
BENCHMARK(BM_spin_floor_rtt)->UseRealTime();

// ---- pipe and socketpair ----

void fd_rtt(benchmark::State& state, int a_read, int a_write, int b_read, int b_write,
            std::size_t size) {
  pid_t peer = fork_peer([=] {
    ::close(a_read);
    ::close(a_write);
    std::vector<char> buf(size);
    while (read_full(b_read, buf.data(), size)) {
      if (!write_full(b_write, buf.data(), size)) return 1;
    }
    return 0;
  });
  ::close(b_read);
  ::close(b_write);
  std::vector<char> buf(size, 'x');
  for (auto _ : state) {
    if (!write_full(a_write, buf.data(), size) || !read_full(a_read, buf.data(), size)) {
      state.SkipWithError("peer failed");
      break;
    }
  }
  ::close(a_write);
  ::close(a_read);
  reap(peer);
}

void BM_pipe_rtt_64(benchmark::State& state) {
  int ab[2], ba[2];
  (void)!::pipe2(ab, O_CLOEXEC);
  (void)!::pipe2(ba, O_CLOEXEC);
  fd_rtt(state, ba[0], ab[1], ab[0], ba[1], kSmall);
}
BENCHMARK(BM_pipe_rtt_64)->UseRealTime();

void BM_socketpair_rtt_64(benchmark::State& state) {
  int sv[2];
  (void)!::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
  int peer_end = ::dup(sv[1]);
  fd_rtt(state, sv[0], ::dup(sv[0]), sv[1], peer_end, kSmall);
}
BENCHMARK(BM_socketpair_rtt_64)->UseRealTime();

// ---- POSIX message queues: raw blocking calls, and conduit's message_queue ----

void BM_mq_raw_rtt_64(benchmark::State& state) {
  std::string n1 = unique("mq1"), n2 = unique("mq2");
  mq_attr a{};
  a.mq_maxmsg = 10;
  a.mq_msgsize = kSmall;
  mqd_t ping = ::mq_open(n1.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600, &a);
  mqd_t pong = ::mq_open(n2.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600, &a);
  ::mq_unlink(n1.c_str());
  ::mq_unlink(n2.c_str());
  pid_t peer = fork_peer([=] {
    char buf[kSmall];
    for (;;) {
      ssize_t n = ::mq_receive(ping, buf, sizeof buf, nullptr);
      if (n <= 1) return 0;  // the stop message
      if (::mq_send(pong, buf, static_cast<std::size_t>(n), 0) != 0) return 1;
    }
  });
  char buf[kSmall] = {};
  for (auto _ : state) {
    ::mq_send(ping, buf, kSmall, 0);
    ::mq_receive(pong, buf, kSmall, nullptr);
  }
  ::mq_send(ping, buf, 1, 0);
  reap(peer);
  ::mq_close(ping);
  ::mq_close(pong);
}
BENCHMARK(BM_mq_raw_rtt_64)->UseRealTime();

void BM_mq_conduit_rtt_64(benchmark::State& state) {
  std::string n1 = unique("mq1"), n2 = unique("mq2");
  ipc::mq_options o{.max_messages = 10, .message_size = kSmall};
  auto ping = ipc::message_queue::create(n1, o);
  auto pong = ipc::message_queue::create(n2, o);
  (void)ipc::message_queue::unlink(n1);
  (void)ipc::message_queue::unlink(n2);
  if (!ping || !pong) {
    state.SkipWithError("message_queue::create failed");
    return;
  }
  pid_t peer = fork_peer([&] {
    std::byte buf[kSmall];
    for (;;) {
      auto r = ping->receive(buf);
      if (!r || r->size <= 1) return 0;
      if (!pong->send(std::span(buf, r->size))) return 1;
    }
  });
  std::byte buf[kSmall] = {};
  for (auto _ : state) {
    (void)ping->send(buf);
    (void)pong->receive(buf);
  }
  (void)ping->send(std::span(buf, 1));
  reap(peer);
}
BENCHMARK(BM_mq_conduit_rtt_64)->UseRealTime();

// ---- shm_ring ----

struct ring_pair {
  ipc::shm_ring ping, pong;
};

ring_pair make_rings(ipc::ring_kind kind, std::size_t cap) {
  auto m1 = ipc::shared_memory::anonymous(0);
  auto m2 = ipc::shared_memory::anonymous(0);
  return {*ipc::shm_ring::create(std::move(*m1), kind, cap),
          *ipc::shm_ring::create(std::move(*m2), kind, cap)};
}

void BM_shm_ring_message_rtt_64(benchmark::State& state) {
  ring_pair r = make_rings(ipc::ring_kind::message, 64 * 1024);
  pid_t peer = fork_peer([&] {
    auto in = ipc::shm_message_receiver::attach(r.ping);
    auto out = ipc::shm_message_sender::attach(r.pong);
    if (!in || !out) return 1;
    std::byte buf[kSmall];
    for (;;) {
      auto n = in->receive(buf);
      if (!n) return 0;  // eof: the parent closed
      if (!out->send(std::span(buf, *n))) return 1;
    }
  });
  auto out = ipc::shm_message_sender::attach(r.ping);
  auto in = ipc::shm_message_receiver::attach(r.pong);
  std::byte buf[kSmall] = {};
  for (auto _ : state) {
    (void)out->send(buf);
    (void)in->receive(buf);
  }
  (void)out->close();
  reap(peer);
}
BENCHMARK(BM_shm_ring_message_rtt_64)->UseRealTime();

void BM_shm_ring_stream_rtt_64(benchmark::State& state) {
  ring_pair r = make_rings(ipc::ring_kind::stream, 64 * 1024);
  pid_t peer = fork_peer([&] {
    auto in = ipc::shm_stream_reader::attach(r.ping);
    auto out = ipc::shm_stream_writer::attach(r.pong);
    if (!in || !out) return 1;
    std::byte buf[kSmall];
    for (;;) {
      std::size_t got = 0;
      while (got < kSmall) {
        auto n = in->read(std::span(buf + got, kSmall - got));
        if (!n) return 0;
        got += *n;
      }
      if (out->write(buf).err) return 1;
    }
  });
  auto out = ipc::shm_stream_writer::attach(r.ping);
  auto in = ipc::shm_stream_reader::attach(r.pong);
  std::byte buf[kSmall] = {};
  for (auto _ : state) {
    (void)out->write(buf);
    std::size_t got = 0;
    while (got < kSmall) got += in->read(std::span(buf + got, kSmall - got)).value_or(kSmall);
  }
  (void)out->close();
  reap(peer);
}
BENCHMARK(BM_shm_ring_stream_rtt_64)->UseRealTime();

// The software cost of the ring, with no cache line moving between CPUs: one send and one
// receive of 64 bytes on one thread (a round trip between two processes does this twice, plus
// the cache-line transfers).
void BM_shm_ring_message_cost_64(benchmark::State& state) {
  auto m = ipc::shared_memory::anonymous(0);
  auto ring = *ipc::shm_ring::create(std::move(*m), ipc::ring_kind::message, 64 * 1024);
  auto out = ipc::shm_message_sender::attach(ring);
  auto in = ipc::shm_message_receiver::attach(ring);
  std::byte buf[kSmall] = {};
  for (auto _ : state) {
    (void)out->send(buf);
    (void)in->receive(buf);
  }
}
BENCHMARK(BM_shm_ring_message_cost_64);

void BM_shm_ring_stream_cost_64(benchmark::State& state) {
  auto m = ipc::shared_memory::anonymous(0);
  auto ring = *ipc::shm_ring::create(std::move(*m), ipc::ring_kind::stream, 64 * 1024);
  auto out = ipc::shm_stream_writer::attach(ring);
  auto in = ipc::shm_stream_reader::attach(ring);
  std::byte buf[kSmall] = {};
  for (auto _ : state) {
    (void)out->write(buf);
    (void)in->read(buf);
  }
}
BENCHMARK(BM_shm_ring_stream_cost_64);

// ---- bulk: 64 KiB records one way; the peer acknowledges the total at the end (the last
// capacity's worth in the ring when the timed loop ends is not timed: negligible against a run)
// ----

void BM_shm_ring_message_bulk_64k(benchmark::State& state) {
  ring_pair r = make_rings(ipc::ring_kind::message, static_cast<std::size_t>(state.range(0)));
  pid_t peer = fork_peer([&] {
    auto in = ipc::shm_message_receiver::attach(r.ping);
    auto ack = ipc::shm_message_sender::attach(r.pong);
    if (!in || !ack) return 1;
    std::vector<std::byte> buf(kBulk);
    std::uint64_t total = 0;
    for (;;) {
      auto n = in->receive(buf);
      if (!n) break;
      if (*n == 0) {  // end of a batch: acknowledge
        (void)ack->send(std::as_bytes(std::span(&total, 1)));
        continue;
      }
      total += *n;
    }
    return 0;
  });
  auto out = ipc::shm_message_sender::attach(r.ping);
  auto ack = ipc::shm_message_receiver::attach(r.pong);
  std::vector<std::byte> rec(kBulk, std::byte{7});
  std::uint64_t total = 0;
  for (auto _ : state) {
    (void)out->send(rec);
  }
  (void)out->send({});
  (void)ack->receive(std::as_writable_bytes(std::span(&total, 1)));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kBulk));
  (void)out->close();
  reap(peer);
}
// Arg: the ring's capacity.
BENCHMARK(BM_shm_ring_message_bulk_64k)->Arg(256 << 10)->Arg(1 << 20)->UseRealTime();

void BM_shm_ring_stream_bulk_64k(benchmark::State& state) {
  ring_pair r = make_rings(ipc::ring_kind::stream, static_cast<std::size_t>(state.range(0)));
  pid_t peer = fork_peer([&] {
    auto in = ipc::shm_stream_reader::attach(r.ping);
    auto ack = ipc::shm_stream_writer::attach(r.pong);
    if (!in || !ack) return 1;
    std::vector<std::byte> buf(kBulk);
    std::uint64_t total = 0;
    for (;;) {
      auto n = in->read(buf);
      if (!n) break;
      total += *n;
    }
    (void)ack->write(std::as_bytes(std::span(&total, 1)));
    return 0;
  });
  auto out = ipc::shm_stream_writer::attach(r.ping);
  auto ack = ipc::shm_stream_reader::attach(r.pong);
  std::vector<std::byte> rec(kBulk, std::byte{7});
  for (auto _ : state) {
    (void)out->write(rec);
  }
  // The last <= 1 MiB still in the ring when the timed loop ends is not timed: negligible
  // against the gigabytes a run moves.
  (void)out->close();
  std::uint64_t total = 0;
  (void)ack->read(std::as_writable_bytes(std::span(&total, 1)));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kBulk));
  reap(peer);
}
BENCHMARK(BM_shm_ring_stream_bulk_64k)->Arg(256 << 10)->Arg(1 << 20)->UseRealTime();

void BM_pipe_bulk_64k(benchmark::State& state) {
  int ab[2];
  (void)!::pipe2(ab, O_CLOEXEC);
  pid_t peer = fork_peer([=] {
    ::close(ab[1]);
    std::vector<char> buf(kBulk);
    while (::read(ab[0], buf.data(), buf.size()) > 0) {
    }
    return 0;
  });
  ::close(ab[0]);
  std::vector<char> buf(kBulk, 'x');
  for (auto _ : state) write_full(ab[1], buf.data(), buf.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kBulk));
  ::close(ab[1]);
  reap(peer);
}
BENCHMARK(BM_pipe_bulk_64k)->UseRealTime();

void BM_memcpy_64k(benchmark::State& state) {
  std::vector<char> a(kBulk, 'a'), b(kBulk);
  for (auto _ : state) {
    std::memcpy(b.data(), a.data(), kBulk);
    benchmark::DoNotOptimize(b.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kBulk));
}
BENCHMARK(BM_memcpy_64k);

// memcpy of 64 KiB blocks walking through buffers of Arg bytes: 1 MiB is the working set of a
// 1 MiB ring (caches), 64 MiB is memory bandwidth.
void BM_memcpy_64k_over(benchmark::State& state) {
  const auto span = static_cast<std::size_t>(state.range(0));
  std::vector<char> a(span, 'a'), b(span, 'b');
  std::size_t off = 0;
  for (auto _ : state) {
    std::memcpy(b.data() + off, a.data() + off, kBulk);
    benchmark::DoNotOptimize(b.data());
    benchmark::ClobberMemory();
    off = (off + kBulk) % span;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kBulk));
}
BENCHMARK(BM_memcpy_64k_over)->Arg(1 << 20)->Arg(64 << 20);

}  // namespace
