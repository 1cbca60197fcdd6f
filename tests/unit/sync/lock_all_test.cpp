#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <conduit/sync/lock_all.hpp>
#include <conduit/sync/mutex.hpp>
#include <conduit/sync/ranked_mutex.hpp>
#include <conduit/sync/rw_mutex.hpp>
#include <conduit/sync/wait_group.hpp>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/support.hpp"
#include "unit/sync/sync_test_support.hpp"

namespace conduit {
namespace {

using namespace std::chrono_literals;

TEST(LockAllTest, LocksEveryLock) {
  mutex a, b, c;
  lock_all(a, b, c);
  EXPECT_TRUE(a.is_locked());
  EXPECT_TRUE(b.is_locked());
  EXPECT_TRUE(c.is_locked());
  a.unlock();
  b.unlock();
  c.unlock();
}

TEST(LockAllTest, WorksOverMixedLockables) {
  mutex a;
  rw_mutex b;
  ranked_mutex c(1, "c");
  lock_all(a, b, c);
  std::scoped_lock held(std::adopt_lock, a, b, c);
  EXPECT_TRUE(a.is_locked());
  EXPECT_FALSE(b.try_lock_shared());
}

// Runs every body on its own thread, all released together; fails (and aborts the process,
// since deadlocked threads cannot be joined) if they have not all finished within the limit.
template <class... F>
void run_together_or_abort(std::chrono::seconds limit, F... bodies) {
  constexpr int kThreads = sizeof...(F);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  wait_group done;
  done.add(kThreads);
  std::vector<std::thread> threads;
  auto start = [&](auto body) {
    threads.emplace_back([&, body] {
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      body();
      done.done();
    });
  };
  (start(bodies), ...);
  while (ready.load() < kThreads) std::this_thread::yield();
  go.store(true, std::memory_order_release);
  if (!done.wait_until(deadline::after(limit))) {
    std::fprintf(stderr, "lock_all: threads still running after %lld s: deadlock\n",
                 static_cast<long long>(limit.count()));
    std::abort();
  }
  for (auto& t : threads) t.join();
}

// The deadlock std::lock exists for: (a, b) on one thread and (b, a) on another, 100k times.
TEST(LockAllTest, OppositeOrdersOnTwoThreadsNeverDeadlock) {
  mutex a, b;
  long in_a = 0, in_b = 0;  // guarded by a and b
  const int kIters = test::scaled(100000);
  auto run = [&](mutex& first, mutex& second) {
    for (int i = 0; i < kIters; ++i) {
      lock_all(first, second);
      ++in_a;
      ++in_b;
      first.unlock();
      second.unlock();
    }
  };
  run_together_or_abort(
      std::chrono::seconds(60), [&] { run(a, b); }, [&] { run(b, a); });
  EXPECT_EQ(in_a, 2L * kIters);
  EXPECT_EQ(in_b, 2L * kIters);
}

TEST(LockAllTest, ThreeLocksInRotatingOrdersNeverDeadlock) {
  mutex a, b, c;
  long count = 0;  // guarded by all three
  const int kIters = test::scaled(30000);
  auto run = [&](mutex& x, mutex& y, mutex& z) {
    for (int i = 0; i < kIters; ++i) {
      lock_all(x, y, z);
      ++count;
      std::scoped_lock held(std::adopt_lock, x, y, z);
    }
  };
  run_together_or_abort(
      std::chrono::seconds(60), [&] { run(a, b, c); }, [&] { run(b, c, a); },
      [&] { run(c, a, b); });
  EXPECT_EQ(count, 3L * kIters);
}

// While it waits for a busy lock, lock_all holds none of the others.
TEST(LockAllTest, HoldsNothingWhileBlocked) {
  mutex a, b;
  b.lock();
  std::atomic<bool> got{false};
  test::scoped_thread t([&] {
    lock_all(a, b);
    got = true;
    a.unlock();
    b.unlock();
  });
  // lock_all may take a for a moment, but it must let go and block on b alone.
  ASSERT_TRUE(test::eventually([&] { return b.has_waiters(); }));
  EXPECT_FALSE(a.is_locked());
  ASSERT_TRUE(a.try_lock_until(deadline::after(5s)));
  a.unlock();
  EXPECT_FALSE(got.load());
  b.unlock();
  t.join();
  EXPECT_TRUE(got.load());
}

// A Lockable whose try_lock throws when told to.
struct throwing_lockable {
  mutex mu;
  bool throw_on_try = false;
  void lock() { mu.lock(); }
  bool try_lock() {
    if (throw_on_try) throw std::runtime_error("try_lock failed");
    return mu.try_lock();
  }
  void unlock() { mu.unlock(); }
};

TEST(LockAllTest, AnExceptionLeavesEveryLockUnlocked) {
  mutex a, b;
  throwing_lockable t;
  t.throw_on_try = true;
  EXPECT_THROW(lock_all(a, b, t), std::runtime_error);
  EXPECT_FALSE(a.is_locked());
  EXPECT_FALSE(b.is_locked());
  EXPECT_FALSE(t.mu.is_locked());
}

}  // namespace
}  // namespace conduit
