#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <conduit/sync/cond.hpp>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "support/support.hpp"
#include "unit/sync/sync_test_support.hpp"

namespace conduit {
namespace {

using namespace std::chrono_literals;

TEST(CondTest, WaitUntilPastDeadlineReturnsTimeoutAtOnceHoldingTheMutex) {
  mutex mu;
  cond c(mu);
  mu.lock();
  const auto start = clock::now();
  const result<void> r = c.wait_until(deadline::past());
  EXPECT_LT(clock::now() - start, test::kSlack);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), errc::timeout);
  EXPECT_TRUE(mu.is_locked());
  mu.unlock();
}

TEST(CondTest, WaitForTimesOutAfterTheTimeout) {
  mutex mu;
  cond c(mu);
  std::unique_lock lock(mu);
  const auto start = clock::now();
  const result<void> r = c.wait_for(30ms);
  const auto took = clock::now() - start;
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), errc::timeout);
  EXPECT_GE(took, 30ms);
  EXPECT_LT(took, 30ms + test::kSlack);
  EXPECT_TRUE(mu.is_locked());
}

TEST(CondTest, SignalWithoutWaitersDoesNothing) {
  mutex mu;
  cond c(mu);
  c.signal();
  c.broadcast();
  // A later waiter is not woken by an earlier signal.
  std::unique_lock lock(mu);
  EXPECT_EQ(c.wait_for(10ms).error(), errc::timeout);
}

TEST(CondTest, SignalWakesAWaiter) {
  mutex mu;
  cond c(mu);
  bool ready = false;  // guarded by mu
  test::scoped_thread waiter([&] {
    std::unique_lock lock(mu);
    const auto d = deadline::after(10s);
    while (!ready) {
      if (!c.wait_until(d)) {
        ADD_FAILURE() << "signal lost";
        return;
      }
    }
  });
  {
    std::scoped_lock lock(mu);
    ready = true;
  }
  c.signal();
}

TEST(CondTest, WaitWithPredicate) {
  mutex mu;
  cond c(mu);
  int value = 0;  // guarded by mu
  test::scoped_thread setter([&] {
    for (int i = 1; i <= 5; ++i) {
      std::scoped_lock lock(mu);
      value = i;
      c.broadcast();
    }
  });
  std::unique_lock lock(mu);
  c.wait([&] { return value == 5; });
  EXPECT_EQ(value, 5);
}

TEST(CondTest, BroadcastWakesEveryWaiter) {
  mutex mu;
  cond c(mu);
  constexpr int kWaiters = 8;
  int waiting = 0;  // guarded by mu
  bool go = false;  // guarded by mu
  std::atomic<int> woken{0};
  std::atomic<int> timed_out{0};
  cond all_waiting(mu);
  std::vector<test::scoped_thread> threads;
  for (int i = 0; i < kWaiters; ++i) {
    threads.emplace_back([&] {
      std::unique_lock lock(mu);
      ++waiting;
      all_waiting.signal();
      const auto d = deadline::after(3s);
      while (!go) {
        if (!c.wait_until(d)) {
          timed_out.fetch_add(1);
          return;
        }
      }
      woken.fetch_add(1);
    });
  }
  {
    std::unique_lock lock(mu);
    const auto d = deadline::after(10s);
    while (waiting < kWaiters) ASSERT_TRUE(all_waiting.wait_until(d));
    go = true;
  }
  c.broadcast();  // one broadcast must reach all of them
  for (auto& t : threads) t.join();
  EXPECT_EQ(woken.load(), kWaiters);
  EXPECT_EQ(timed_out.load(), 0);
}

TEST(CondTest, SignalWakesOnlyOneOfSeveralParkedWaiters) {
  mutex mu;
  cond c(mu);
  constexpr int kWaiters = 3;
  int waiting = 0;  // guarded by mu
  int tokens = 0;   // guarded by mu
  int wakeups = 0;  // guarded by mu
  int got = 0;      // guarded by mu
  cond all_waiting(mu);
  std::vector<test::scoped_thread> threads;
  for (int i = 0; i < kWaiters; ++i) {
    threads.emplace_back([&] {
      std::unique_lock lock(mu);
      ++waiting;
      all_waiting.signal();
      const auto d = deadline::after(10s);
      while (tokens == 0) {
        if (!c.wait_until(d)) return;
        ++wakeups;
      }
      --tokens;
      ++got;
    });
  }
  {
    std::unique_lock lock(mu);
    const auto d = deadline::after(10s);
    while (waiting < kWaiters) ASSERT_TRUE(all_waiting.wait_until(d));
  }
  test::busy_for(20ms);  // let the waiters reach their park
  {
    std::scoped_lock lock(mu);
    ++tokens;
    c.signal();
  }
  ASSERT_TRUE(test::eventually([&] {
    std::scoped_lock lock(mu);
    return got == 1;
  }));
  test::busy_for(20ms);  // time for a second (wrong) wake-up to show
  {
    std::scoped_lock lock(mu);
    EXPECT_EQ(wakeups, 1);
    tokens += kWaiters - 1;
    c.broadcast();
  }
  threads.clear();  // joins
  EXPECT_EQ(got, kWaiters);
}

// Two threads pass a turn back and forth through one cond with signal(). A wake-up lost
// between a waiter's unlock and its park stalls the game until the deadline.
TEST(CondTest, NoLostWakeUpUnderStressPingPong) {
  mutex mu;
  cond c(mu);
  int turn = 0;  // guarded by mu
  const int kRounds = test::scaled(20000);
  std::atomic<bool> lost{false};
  auto player = [&](int me) {
    std::unique_lock lock(mu);
    for (int i = 0; i < kRounds && !lost; ++i) {
      const auto d = deadline::after(5s);
      while (turn != me) {
        if (!c.wait_until(d) && turn != me) {
          lost = true;
          return;
        }
      }
      turn = 1 - me;
      c.signal();
    }
  };
  test::scoped_thread a([&] { player(0); });
  test::scoped_thread b([&] { player(1); });
  a.join();
  b.join();
  EXPECT_FALSE(lost.load()) << "a signal was lost";
}

// A bounded queue with two conds, several producers and consumers, signal() only: every item
// arrives, and no thread stalls (a lost wake-up would leave one waiting until its deadline).
TEST(CondTest, NoLostWakeUpUnderStressProducersConsumers) {
  mutex mu;
  cond not_full(mu);
  cond not_empty(mu);
  std::deque<int> q;  // guarded by mu
  constexpr std::size_t kCap = 4;
  constexpr int kProducers = 3, kConsumers = 3;
  const int kPerProducer = test::scaled(20000);
  std::atomic<long> sum{0};
  std::atomic<int> stalls{0};
  std::vector<test::scoped_thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&] {
      for (int i = 1; i <= kPerProducer; ++i) {
        std::unique_lock lock(mu);
        const auto d = deadline::after(5s);
        while (q.size() == kCap) {
          if (!not_full.wait_until(d) && q.size() == kCap) {
            stalls.fetch_add(1);
            return;
          }
        }
        q.push_back(i);
        lock.unlock();
        not_empty.signal();
      }
    });
  }
  for (int k = 0; k < kConsumers; ++k) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerProducer; ++i) {  // consumers take as many as producers make
        std::unique_lock lock(mu);
        const auto d = deadline::after(5s);
        while (q.empty()) {
          if (!not_empty.wait_until(d) && q.empty()) {
            stalls.fetch_add(1);
            return;
          }
        }
        sum.fetch_add(q.front());
        q.pop_front();
        lock.unlock();
        not_full.signal();
      }
    });
  }
  threads.clear();  // joins
  EXPECT_EQ(stalls.load(), 0);
  const long per = static_cast<long>(kPerProducer) * (kPerProducer + 1) / 2;
  EXPECT_EQ(sum.load(), per * kProducers);
}

TEST(CondTest, LockRefIsTheBoundMutex) {
  mutex mu;
  cond c(mu);
  EXPECT_EQ(&c.lock_ref(), &mu);
}

TEST(CondDeathTest, WaitWithoutHoldingTheMutexAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        mutex mu;
        cond c(mu);
        c.wait();
      },
      "sync: unlock of unlocked mutex");
}

}  // namespace
}  // namespace conduit
