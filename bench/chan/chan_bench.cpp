// Channel benchmarks, each side by side with the same program on a std::mutex +
// std::condition_variable queue (what a C++ programmer writes without conduit), and with the
// Go programs in bench/peers/go/chan/ (run them in the same session: bench/peers/go/run.sh).
//
//   pingpong     unbuffered channel, two threads, one value there and back: ns per round trip
//                (pinned:1 puts the two threads on two different CPUs)
//   1p1c         buffered (cap 1024), 1 producer thread, 1 consumer thread: ns per item
//   4p4c         buffered (cap 1024), 4 producers, 4 consumers: ns per item
//   fanin        4 producers, each on its own channel of cap 128, one consumer selecting over
//                the four: ns per item (the condvar version: four queues under one mutex,
//                the consumer waiting on one condition variable for any of them)
//
// Each benchmark iteration is one batch on fresh threads: the threads are started, wait for
// a common start, and the time runs from that start to the last thread's finish (manual
// time, so thread creation and join are not counted). The per-item figure is the counter
// ns_per_item (ns_per_rtt for the ping-pong); the Time column is per batch.
#include <benchmark/benchmark.h>
#include <pthread.h>
#include <sched.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <conduit/chan.hpp>
#include <conduit/select.hpp>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace {

using conduit::chan;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "bench_chan: %s\n", what);
  std::abort();
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The first two CPUs this process may run on, or {-1, -1} if it has fewer than two.
std::array<int, 2> two_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::array<int, 2> cpus = {-1, -1};
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int c = 0, k = 0; c < CPU_SETSIZE && k < 2; ++c) {
    if (CPU_ISSET(c, &set)) cpus[k++] = c;
  }
  return cpus;
}

// Pins the calling thread to one CPU.
void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) die("pthread_setaffinity_np");
}

// Runs body(i) on n fresh threads from a common start; returns the seconds from that start
// to the last body's return. With `pin`, thread i runs on CPU pin[i] only.
template <class Body>
double run_batch(int n, Body body, const int* pin = nullptr) {
  std::atomic<int> arrived{0}, remaining{n};
  std::atomic<bool> go{false};
  std::atomic<std::int64_t> end{0};
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      if (pin != nullptr) pin_to(pin[i]);
      arrived.fetch_add(1);
      go.wait(false);
      body(i);
      if (remaining.fetch_sub(1) == 1) end.store(now_ns());
    });
  }
  while (arrived.load() != n) std::this_thread::yield();
  const std::int64_t start = now_ns();
  go.store(true);
  go.notify_all();
  for (auto& t : threads) t.join();
  return static_cast<double>(end.load() - start) * 1e-9;
}

// The loop shared by every benchmark: one batch of `items` per iteration.
template <class Batch>
void run(benchmark::State& state, const char* counter, std::int64_t items, Batch batch) {
  double seconds = 0;
  std::int64_t total = 0;
  for (auto _ : state) {
    double s = batch();
    state.SetIterationTime(s);
    seconds += s;
    total += items;
  }
  state.SetItemsProcessed(total);
  state.counters[counter] = seconds * 1e9 / static_cast<double>(total);
}

// A bounded FIFO on std::mutex + two std::condition_variable: the usual hand-written queue.
template <class T>
class cv_queue {
 public:
  explicit cv_queue(std::size_t cap) : buf_(cap) {}
  void push(T v) {
    std::unique_lock<std::mutex> lk(mu_);
    not_full_.wait(lk, [&] { return n_ < buf_.size(); });
    buf_[(head_ + n_) % buf_.size()] = std::move(v);
    ++n_;
    lk.unlock();
    not_empty_.notify_one();
  }
  T pop() {
    std::unique_lock<std::mutex> lk(mu_);
    not_empty_.wait(lk, [&] { return n_ > 0; });
    T v = std::move(buf_[head_]);
    head_ = (head_ + 1) % buf_.size();
    --n_;
    lk.unlock();
    not_full_.notify_one();
    return v;
  }

 private:
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::vector<T> buf_;
  std::size_t head_ = 0, n_ = 0;
};

// Four bounded FIFOs under one mutex; pop() waits on one condition variable until any of
// them has a value: the closest a mutex and condition variables come to a select.
template <class T, std::size_t N>
class cv_multi_queue {
 public:
  explicit cv_multi_queue(std::size_t cap) {
    for (auto& q : q_) q.buf.resize(cap);
  }
  void push(std::size_t i, T v) {
    std::unique_lock<std::mutex> lk(mu_);
    ring& q = q_[i];
    q.not_full.wait(lk, [&] { return q.n < q.buf.size(); });
    q.buf[(q.head + q.n) % q.buf.size()] = std::move(v);
    ++q.n;
    lk.unlock();
    any_.notify_one();
  }
  // Pops from the first non-empty queue after the last one popped (round robin).
  T pop() {
    std::unique_lock<std::mutex> lk(mu_);
    std::size_t i = 0;
    any_.wait(lk, [&] {
      for (std::size_t k = 0; k < N; ++k) {
        i = (next_ + k) % N;
        if (q_[i].n > 0) return true;
      }
      return false;
    });
    ring& q = q_[i];
    T v = std::move(q.buf[q.head]);
    q.head = (q.head + 1) % q.buf.size();
    --q.n;
    next_ = (i + 1) % N;
    lk.unlock();
    q.not_full.notify_one();
    return v;
  }

 private:
  struct ring {
    std::condition_variable not_full;
    std::vector<T> buf;
    std::size_t head = 0, n = 0;
  };
  std::mutex mu_;
  std::condition_variable any_;
  std::array<ring, N> q_;
  std::size_t next_ = 0;
};

constexpr std::int64_t kRoundTrips = 20000;
constexpr std::int64_t kItems = 1 << 18;
constexpr std::size_t kCap = 1024;
constexpr std::size_t kFaninCap = 128;

// ---- ping-pong: one value there and back over two unbuffered channels ----

// state.range(0) == 1: the two threads are pinned to two different CPUs, which shows the
// cost of the hand-off itself apart from where the kernel places the threads (Go cannot pin
// goroutines; compare Go with the unpinned figures).
const int* pinning(benchmark::State& state, std::array<int, 2>& cpus) {
  if (state.range(0) == 0) return nullptr;
  cpus = two_cpus();
  if (cpus[1] < 0) {
    state.SkipWithError("pinned: fewer than two CPUs");
    return nullptr;
  }
  return cpus.data();
}

void BM_pingpong_conduit(benchmark::State& state) {
  std::array<int, 2> cpus{};
  const int* pin = pinning(state, cpus);
  run(state, "ns_per_rtt", kRoundTrips, [pin] {
    chan<int> ping(0), pong(0);
    return run_batch(
        2,
        [&](int i) {
          for (std::int64_t k = 0; k < kRoundTrips; ++k) {
            if (i == 0) {
              if (!ping.send(1) || !pong.recv()) die("pingpong");
            } else {
              auto v = ping.recv();
              if (!v || !pong.send(*v)) die("pingpong");
            }
          }
        },
        pin);
  });
}

void BM_pingpong_mutex_condvar(benchmark::State& state) {
  std::array<int, 2> cpus{};
  const int* pin = pinning(state, cpus);
  run(state, "ns_per_rtt", kRoundTrips, [pin] {
    cv_queue<int> ping(1), pong(1);
    return run_batch(
        2,
        [&](int i) {
          for (std::int64_t k = 0; k < kRoundTrips; ++k) {
            if (i == 0) {
              ping.push(1);
              (void)pong.pop();
            } else {
              pong.push(ping.pop());
            }
          }
        },
        pin);
  });
}

// ---- buffered throughput: P producers, P consumers, one channel of cap 1024 ----

void BM_buffered_conduit(benchmark::State& state) {
  const int p = static_cast<int>(state.range(0));
  run(state, "ns_per_item", kItems, [p] {
    chan<int> ch(kCap);
    return run_batch(2 * p, [&](int i) {
      const std::int64_t share = kItems / p;
      for (std::int64_t k = 0; k < share; ++k) {
        if (i < p) {
          if (!ch.send(static_cast<int>(k))) die("buffered send");
        } else {
          if (!ch.recv()) die("buffered recv");
        }
      }
    });
  });
}

void BM_buffered_mutex_condvar(benchmark::State& state) {
  const int p = static_cast<int>(state.range(0));
  run(state, "ns_per_item", kItems, [p] {
    cv_queue<int> q(kCap);
    return run_batch(2 * p, [&](int i) {
      const std::int64_t share = kItems / p;
      for (std::int64_t k = 0; k < share; ++k) {
        if (i < p) {
          q.push(static_cast<int>(k));
        } else {
          benchmark::DoNotOptimize(q.pop());
        }
      }
    });
  });
}

// ---- select fan-in: 4 producers on 4 channels of cap 128 -> 1 consumer ----

void BM_fanin_select_conduit(benchmark::State& state) {
  run(state, "ns_per_item", kItems, [] {
    std::array<chan<int>, 4> cs = {chan<int>(kFaninCap), chan<int>(kFaninCap), chan<int>(kFaninCap),
                                   chan<int>(kFaninCap)};
    return run_batch(5, [&](int i) {
      if (i < 4) {
        for (std::int64_t k = 0; k < kItems / 4; ++k) {
          if (!cs[i].send(static_cast<int>(k))) die("fanin send");
        }
        cs[i].close();
        return;
      }
      std::array<chan<int>, 4> in = cs;
      std::int64_t got = 0;
      for (int open = 4; open > 0;) {
        auto take = [&](int k) {
          return [&, k](conduit::result<int> v) {
            if (v) {
              ++got;
            } else {
              in[k] = chan<int>();  // closed: disable the case
              --open;
            }
          };
        };
        conduit::select(conduit::recv_case(in[0], take(0)), conduit::recv_case(in[1], take(1)),
                        conduit::recv_case(in[2], take(2)), conduit::recv_case(in[3], take(3)));
      }
      if (got != kItems) die("fanin lost items");
    });
  });
}

void BM_fanin_mutex_condvar(benchmark::State& state) {
  run(state, "ns_per_item", kItems, [] {
    cv_multi_queue<int, 4> q(kFaninCap);
    return run_batch(5, [&](int i) {
      if (i < 4) {
        for (std::int64_t k = 0; k < kItems / 4; ++k) q.push(i, static_cast<int>(k));
        return;
      }
      for (std::int64_t k = 0; k < kItems; ++k) benchmark::DoNotOptimize(q.pop());
    });
  });
}

BENCHMARK(BM_pingpong_conduit)
    ->ArgName("pinned")
    ->Arg(0)
    ->Arg(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_pingpong_mutex_condvar)
    ->ArgName("pinned")
    ->Arg(0)
    ->Arg(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_buffered_conduit)
    ->ArgName("producers_consumers")
    ->Arg(1)
    ->Arg(4)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_buffered_mutex_condvar)
    ->ArgName("producers_consumers")
    ->Arg(1)
    ->Arg(4)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_fanin_select_conduit)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_fanin_mutex_condvar)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
