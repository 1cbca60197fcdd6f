#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <conduit/sync/mutex.hpp>
#include <mutex>
#include <thread>
#include <vector>

#include "support/support.hpp"
#include "unit/sync/sync_test_support.hpp"

namespace conduit {
namespace {

using namespace std::chrono_literals;

TEST(MutexTest, LockAndUnlockUncontended) {
  mutex mu;
  EXPECT_FALSE(mu.is_locked());
  mu.lock();
  EXPECT_TRUE(mu.is_locked());
  mu.unlock();
  EXPECT_FALSE(mu.is_locked());
}

TEST(MutexTest, TryLockFailsWhileHeldAndSucceedsAfter) {
  mutex mu;
  ASSERT_TRUE(mu.try_lock());
  {
    test::scoped_thread t([&] { EXPECT_FALSE(mu.try_lock()); });
  }
  mu.unlock();
  {
    test::scoped_thread t([&] {
      EXPECT_TRUE(mu.try_lock());
      mu.unlock();
    });
  }
}

TEST(MutexTest, WorksWithStdLockTypes) {
  mutex mu;
  {
    std::scoped_lock lock(mu);
    EXPECT_TRUE(mu.is_locked());
  }
  EXPECT_FALSE(mu.is_locked());
  {
    std::unique_lock lock(mu, std::defer_lock);
    EXPECT_TRUE(lock.try_lock_for(10ms));
  }
  {
    lock_guard g(mu);
    EXPECT_TRUE(mu.is_locked());
  }
  EXPECT_FALSE(mu.is_locked());
}

TEST(MutexTest, TryLockUntilPastDeadlineReturnsAtOnce) {
  mutex mu;
  mu.lock();
  test::scoped_thread t([&] {
    const auto start = clock::now();
    EXPECT_FALSE(mu.try_lock_until(deadline::past()));
    EXPECT_LT(clock::now() - start, test::kSlack);
  });
  t.join();
  mu.unlock();
}

TEST(MutexTest, TryLockForTimesOutWhileHeld) {
  mutex mu;
  mu.lock();
  test::scoped_thread t([&] {
    const auto start = clock::now();
    EXPECT_FALSE(mu.try_lock_for(30ms));
    const auto took = clock::now() - start;
    EXPECT_GE(took, 30ms);
    EXPECT_LT(took, 30ms + test::kSlack);
  });
  t.join();
  EXPECT_TRUE(mu.is_locked());
  mu.unlock();
  // A timed-out waiter leaves no trace: the mutex still works on its fast paths.
  EXPECT_TRUE(mu.try_lock());
  mu.unlock();
}

TEST(MutexTest, TryLockUntilSucceedsWhenReleased) {
  mutex mu;
  mu.lock();
  std::atomic<bool> waiting{false};
  test::scoped_thread t([&] {
    waiting = true;
    EXPECT_TRUE(mu.try_lock_until(deadline::after(5s)));
    mu.unlock();
  });
  ASSERT_TRUE(test::eventually([&] { return waiting.load(); }));
  mu.unlock();
}

TEST(MutexTest, UnlockFromAnotherThreadIsAllowed) {
  mutex mu;
  mu.lock();
  test::scoped_thread t([&] { mu.unlock(); });
  t.join();
  EXPECT_TRUE(mu.try_lock());
  mu.unlock();
}

TEST(MutexTest, ExcludesUnderContention) {
  mutex mu;
  const int kThreads = 4;
  const int kIters = test::scaled(50000);
  long counter = 0;  // guarded by mu
  int inside = 0;    // guarded by mu
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < kIters; ++k) {
        ASSERT_TRUE(mu.try_lock_until(deadline::after(10s)));
        EXPECT_EQ(++inside, 1);
        ++counter;
        --inside;
        mu.unlock();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter, static_cast<long>(kThreads) * kIters);
}

// A locker that holds the mutex nearly all the time and takes it back at once after each
// unlock competes with a woken waiter on every round; the waiter must still get in within a
// bound (starvation mode caps it at about 1 ms plus a critical section).
TEST(MutexTest, StarvationModeLetsEveryWaiterInWithinABound) {
  mutex mu;
  std::atomic<bool> stop{false};
  std::atomic<long> hog_rounds{0};
  test::scoped_thread hog([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      if (!mu.try_lock_until(deadline::after(10s))) {
        ADD_FAILURE() << "a hog waited 10 s";
        return;
      }
      test::busy_for(200us);
      mu.unlock();
      hog_rounds.fetch_add(1, std::memory_order_relaxed);
    }
  });
  ASSERT_TRUE(test::eventually([&] { return hog_rounds.load() > 10; }));
  std::chrono::nanoseconds worst{0};
  int overtaken = 0;
  for (int i = 0; i < 20; ++i) {
    const auto start = clock::now();
    const bool got = mu.try_lock_until(deadline::after(1s));
    const auto waited = clock::now() - start;
    if (!got) {
      ++overtaken;
      continue;
    }
    mu.unlock();
    worst = std::max(worst, std::chrono::duration_cast<std::chrono::nanoseconds>(waited));
  }
  stop = true;
  hog.join();
  EXPECT_EQ(overtaken, 0) << "the waiter was overtaken for 1 s";
  // About 1 ms plus a critical section; the slack is for a loaded 2-core machine and the
  // sanitizers.
  EXPECT_LT(worst, test::kSlack) << "worst wait " << worst.count() / 1000 << " us";
}

// Starvation mode, deterministically: a waiter parked for more than 1 ms is handed the mutex
// by the unlock itself, so the unlocker cannot take it back at once.
TEST(MutexTest, UnlockHandsTheMutexToAWaiterParkedOverOneMillisecond) {
  mutex mu;
  mu.lock();
  std::atomic<bool> got{false};
  std::atomic<bool> checked{false};
  test::scoped_thread waiter([&] {
    if (mu.try_lock_until(deadline::after(10s))) {
      got = true;
      EXPECT_TRUE(test::eventually([&] { return checked.load(); }));
      mu.unlock();
    }
  });
  ASSERT_TRUE(test::eventually([&] { return mu.has_waiters(); }));
  test::busy_for(20ms);  // the waiter is now parked and has waited over 1 ms
  mu.unlock();
  const bool overtook = mu.try_lock();
  checked = true;
  if (overtook) mu.unlock();
  EXPECT_FALSE(overtook) << "the unlocker overtook a starving waiter";
  waiter.join();
  EXPECT_TRUE(got.load());
}

// A waiter that has not waited 1 ms is only woken: a running locker may take the mutex first
// (throughput mode, as Go's normal mode).
TEST(MutexTest, UnlockLetsTheUnlockerCompeteWithAFreshWaiter) {
  mutex mu;
  mu.lock();
  std::atomic<bool> got{false};
  test::scoped_thread waiter([&] {
    if (mu.try_lock_until(deadline::after(10s))) {
      got = true;
      mu.unlock();
    }
  });
  ASSERT_TRUE(test::eventually([&] { return mu.has_waiters(); }));
  mu.unlock();
  // The waiter was woken to compete; whoever wins, both get the mutex in the end.
  ASSERT_TRUE(mu.try_lock_until(deadline::after(10s)));
  mu.unlock();
  waiter.join();
  EXPECT_TRUE(got.load());
}

TEST(MutexDeathTest, UnlockOfUnlockedMutexAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        mutex mu;
        mu.unlock();
      },
      "sync: unlock of unlocked mutex");
}

TEST(MutexDeathTest, DoubleUnlockAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        mutex mu;
        mu.lock();
        mu.unlock();
        mu.unlock();
      },
      "sync: unlock of unlocked mutex");
}

}  // namespace
}  // namespace conduit
