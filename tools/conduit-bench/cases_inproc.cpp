// In-process mechanisms, between two threads: channels, the mutex + cond hand-off, io::pipe.
#include <atomic>
#include <condition_variable>
#include <conduit/chan.hpp>
#include <conduit/io/pipe.hpp>
#include <conduit/sync/cond.hpp>
#include <conduit/sync/mutex.hpp>
#include <mutex>
#include <thread>
#include <vector>

#include "bench.hpp"

namespace cbench {
namespace {

using namespace std::chrono_literals;

// ---- chan: unbuffered ping-pong; raw = std::mutex + std::condition_variable hand-off ----

figures chan_conduit(const options& o) {
  conduit::chan<int> ping(0), pong(0);
  std::thread echo([&] {
    for (int v : ping) {
      if (!pong.send(v)) return;
    }
  });
  figures f;
  f.rtt = measure_rtt(o, [&] { return ping.send(1) && pong.recv().has_value(); });
  ping.close();
  echo.join();
  return f;
}

// The hand-off every C program writes: a turn flag under a mutex, one condvar each way.
template <class Mutex, class Cond, class Lock>
figures handoff(const options& o) {
  Mutex mu;
  Cond to_b, to_a;
  int turn = 0;  // 0: A's, 1: B's, 2: stop
  std::thread b([&] {
    Lock lk(mu);
    for (;;) {
      while (turn == 0) to_b.wait(lk);
      if (turn == 2) return;
      turn = 0;
      to_a.notify_one();
    }
  });
  figures f;
  f.rtt = measure_rtt(o, [&] {
    Lock lk(mu);
    turn = 1;
    to_b.notify_one();
    while (turn != 0) to_a.wait(lk);
    return true;
  });
  {
    Lock lk(mu);
    turn = 2;
    to_b.notify_one();
  }
  b.join();
  return f;
}

figures chan_raw(const options& o) {
  return handoff<std::mutex, std::condition_variable, std::unique_lock<std::mutex>>(o);
}

// ---- cond: conduit::mutex + conduit::cond vs std::mutex + std::condition_variable ----

figures cond_conduit(const options& o) {
  conduit::mutex mu;
  conduit::cond to_b(mu), to_a(mu);
  int turn = 0;
  std::thread b([&] {
    mu.lock();
    for (;;) {
      while (turn == 0) to_b.wait();
      if (turn == 2) break;
      turn = 0;
      to_a.signal();
    }
    mu.unlock();
  });
  figures f;
  f.rtt = measure_rtt(o, [&] {
    mu.lock();
    turn = 1;
    to_b.signal();
    while (turn != 0) to_a.wait();
    mu.unlock();
    return true;
  });
  mu.lock();
  turn = 2;
  to_b.signal();
  mu.unlock();
  b.join();
  return f;
}

// ---- io_pipe: Go's io.Pipe; no raw equivalent ----

figures io_pipe_conduit(const options& o) {
  figures f;
  {
    auto [r1, w1] = conduit::io::pipe();
    auto [r2, w2] = conduit::io::pipe();
    std::thread echo([&, r = std::move(r1), w = std::move(w2)]() mutable {
      std::vector<std::byte> buf(o.size);
      for (;;) {
        std::size_t got = 0;
        while (got < buf.size()) {
          auto n = r.read(std::span(buf).subspan(got));
          if (!n) return;
          got += *n;
        }
        if (w.write(buf).err) return;
      }
    });
    std::vector<std::byte> msg(o.size, std::byte{7}), back(o.size);
    f.rtt = measure_rtt(o, [&] {
      if (w1.write(msg).err) return false;
      std::size_t got = 0;
      while (got < back.size()) {
        auto n = r2.read(std::span(back).subspan(got));
        if (!n) return false;
        got += *n;
      }
      return true;
    });
    w1.close();
    r2.close();
    echo.join();
  }
  {
    auto [r, w] = conduit::io::pipe();
    std::atomic<std::size_t> total{0};
    std::thread sink([&, rd = std::move(r)]() mutable {
      std::vector<std::byte> buf(o.bulk_chunk);
      std::size_t n = 0;
      while (auto k = rd.read(buf)) n += *k;
      total = n;
    });
    std::vector<std::byte> chunk(o.bulk_chunk, std::byte{1});
    auto start = std::chrono::steady_clock::now();
    auto end = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(o.duration);
    std::size_t sent = 0;
    while (std::chrono::steady_clock::now() < end) {
      if (w.write(chunk).err) break;
      sent += chunk.size();
    }
    w.close();
    sink.join();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (total.load() == sent && secs > 0) f.gbps = static_cast<double>(sent) / secs / 1e9;
  }
  return f;
}

registrar r_chan({"chan", "channel ping-pong, 2 threads (raw: std::mutex + condvar hand-off)",
                  chan_conduit, chan_raw});
registrar r_cond({"cond", "mutex + cond hand-off, 2 threads (raw: std::mutex + condvar)",
                  cond_conduit, chan_raw});
registrar r_io_pipe({"io_pipe", "io::pipe (Go's io.Pipe), 2 threads; no raw equivalent",
                     io_pipe_conduit, nullptr});

}  // namespace
}  // namespace cbench
