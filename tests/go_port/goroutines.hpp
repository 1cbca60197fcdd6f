// Helpers for the channel behaviour ported from Go (chan_runtime_test.cpp,
// chan_programs_test.cpp): OS threads standing in for goroutines, and Go's "or done"
// channel idioms with every wait bounded by the test's deadline.
#ifndef CONDUIT_TESTS_GO_PORT_GOROUTINES_HPP
#define CONDUIT_TESTS_GO_PORT_GOROUTINES_HPP

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <conduit/chan.hpp>
#include <conduit/select.hpp>
#include <conduit/time.hpp>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace conduit::test {

// The budget of one ported test: every blocking call in it is bounded by a deadline this far
// from its start, so that a broken channel fails the test instead of hanging it. The plain
// build needs well under a second; the sanitizer builds are 5-20x slower.
inline constexpr std::chrono::seconds kTestBudget{30};

// At most this many threads at once per test (the machine has 2 cores).
inline constexpr int kMaxThreads = 32;

// Runs functions on OS threads, as Go's `go f()`. wait(d) says whether every one of them has
// returned by d: no thread may be left blocked after a test. The destructor joins them all;
// that ends because their blocking calls are bounded by the test's deadline.
//
// It tracks the threads with std::mutex and std::condition_variable on purpose: the check
// must not depend on the channels under test. go() may be called from any of its threads.
class goroutines {
 public:
  goroutines() = default;
  goroutines(const goroutines&) = delete;
  goroutines& operator=(const goroutines&) = delete;
  ~goroutines() { join_all(); }

  template <class F>
  void go(F&& f) {
    std::lock_guard<std::mutex> lk(mu_);
    if (running_ >= kMaxThreads) {
      ADD_FAILURE() << "more than " << kMaxThreads << " threads at once";
      return;
    }
    ++running_;
    threads_.emplace_back([this, fn = std::forward<F>(f)]() mutable {
      fn();
      std::lock_guard<std::mutex> g(mu_);
      --running_;
      cv_.notify_all();
    });
  }

  // True when every thread started so far has returned by d (d must not be never).
  [[nodiscard]] bool wait(deadline d) {
    std::unique_lock<std::mutex> lk(mu_);
    return cv_.wait_until(lk, d.when(), [&] { return running_ == 0; });
  }

  [[nodiscard]] int running() {
    std::lock_guard<std::mutex> lk(mu_);
    return running_;
  }

 private:
  void join_all() {
    for (;;) {
      std::thread t;
      {
        std::lock_guard<std::mutex> lk(mu_);
        if (threads_.empty()) return;
        t = std::move(threads_.front());
        threads_.pop_front();
      }
      t.join();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::thread> threads_;
  int running_ = 0;
};

// Go's `chan struct{}`, used only to be closed.
struct empty {};
using done_chan = chan<empty>;

// Go's `select { case out <- v: case <-done: }`, bounded by end. True when v was sent.
template <class T, class V>
bool send_or_done(const chan<T>& out, V&& v, const done_chan& done, deadline end) {
  bool sent = false;
  auto r = select_until(end, send_case(out, std::forward<V>(v), [&](auto s) { sent = bool(s); }),
                        recv_case(done));
  return r && sent;
}

// Go's `select { case v, ok := <-in: case <-done: }`, bounded by end. A value when one was
// received; nothing when `in` is closed, `done` is closed, or end passed.
template <class T>
std::optional<T> recv_or_done(const chan<T>& in, const done_chan& done, deadline end) {
  std::optional<T> got;
  auto r = select_until(end,
                        recv_case(in,
                                  [&](result<T> v) {
                                    if (v) got.emplace(std::move(*v));
                                  }),
                        recv_case(done));
  if (!r) return std::nullopt;
  return got;
}

}  // namespace conduit::test

#endif  // CONDUIT_TESTS_GO_PORT_GOROUTINES_HPP
