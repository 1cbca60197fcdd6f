#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <conduit/sync/semaphore.hpp>
#include <random>
#include <system_error>
#include <thread>
#include <vector>

#include "support/support.hpp"
#include "unit/sync/sync_test_support.hpp"

namespace conduit {
namespace {

using namespace std::chrono_literals;

// try_acquire(0) fails exactly when waiters are queued (it does not overtake them): the tests
// use it to see that a waiter has queued.
bool has_waiters(semaphore& s) { return !s.try_acquire(0); }

TEST(SemaphoreTest, AcquireAndReleaseWithinCapacity) {
  semaphore s(10);
  EXPECT_EQ(s.capacity(), 10);
  EXPECT_EQ(s.available(), 10);
  ASSERT_TRUE(s.acquire(3).has_value());
  ASSERT_TRUE(s.acquire(7).has_value());
  EXPECT_EQ(s.available(), 0);
  EXPECT_FALSE(s.try_acquire(1));
  s.release(4);
  EXPECT_TRUE(s.try_acquire(4));
  s.release(10);
  EXPECT_EQ(s.available(), 10);
}

TEST(SemaphoreTest, AcquireZeroSucceedsAtOnce) {
  semaphore s(1);
  ASSERT_TRUE(s.try_acquire(1));
  EXPECT_TRUE(s.acquire(0, deadline::past()).has_value());
  s.release(1);
}

TEST(SemaphoreTest, AcquireMoreThanCapacityFailsAtOnce) {
  semaphore s(5);
  const auto start = clock::now();
  const result<void> r = s.acquire(6);  // would never succeed: no waiting, no hang
  EXPECT_LT(clock::now() - start, test::kSlack);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), std::errc::invalid_argument);
  EXPECT_FALSE(s.try_acquire(6));
  EXPECT_EQ(s.available(), 5);
}

TEST(SemaphoreTest, AcquireTimesOutAndTakesNothing) {
  semaphore s(4);
  ASSERT_TRUE(s.try_acquire(3));
  const auto start = clock::now();
  const result<void> r = s.acquire_for(2, 30ms);
  const auto took = clock::now() - start;
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), errc::timeout);
  EXPECT_GE(took, 30ms);
  EXPECT_LT(took, 30ms + test::kSlack);
  EXPECT_EQ(s.available(), 1);
  EXPECT_FALSE(has_waiters(s));
  EXPECT_EQ(s.acquire(2, deadline::past()).error(), errc::timeout);
  s.release(3);
  EXPECT_EQ(s.available(), 4);
}

TEST(SemaphoreTest, ReleaseWakesAWaiter) {
  semaphore s(2);
  ASSERT_TRUE(s.try_acquire(2));
  test::scoped_thread waiter([&] {
    ASSERT_TRUE(s.acquire(2, deadline::after(10s)).has_value());
    s.release(2);
  });
  ASSERT_TRUE(test::eventually([&] { return has_waiters(s); }));
  s.release(2);
  waiter.join();
  EXPECT_EQ(s.available(), 2);
}

// FIFO as x/sync/semaphore.Weighted: a large waiter at the head blocks smaller later ones,
// even when the free units would fit them.
TEST(SemaphoreTest, LargeWaiterAtTheHeadBlocksSmallerOnes) {
  semaphore s(10);
  ASSERT_TRUE(s.try_acquire(10));
  std::atomic<bool> large_done{false}, small_done{false};
  test::scoped_thread large([&] {
    ASSERT_TRUE(s.acquire(8, deadline::after(10s)).has_value());
    large_done = true;
  });
  ASSERT_TRUE(test::eventually([&] { return has_waiters(s); }));
  test::scoped_thread small([&] {
    ASSERT_TRUE(s.acquire(1, deadline::after(10s)).has_value());
    small_done = true;
  });
  test::busy_for(20ms);  // let the small waiter queue behind the large one
  s.release(5);          // 5 free: fits the small one, not the large head
  test::busy_for(20ms);
  EXPECT_FALSE(large_done.load());
  EXPECT_FALSE(small_done.load()) << "a smaller waiter overtook the head";
  EXPECT_FALSE(s.try_acquire(1)) << "try_acquire overtook the waiters";
  EXPECT_EQ(s.available(), 5);
  s.release(5);  // 10 free: the head takes 8, then the small one 1
  large.join();
  small.join();
  EXPECT_TRUE(large_done.load());
  EXPECT_TRUE(small_done.load());
  EXPECT_EQ(s.available(), 1);
  s.release(9);
}

// When the head times out, the waiters behind it that fit are served at once.
TEST(SemaphoreTest, HeadTimeoutServesTheWaitersBehindIt) {
  semaphore s(10);
  ASSERT_TRUE(s.try_acquire(10));
  test::scoped_thread large(
      [&] { EXPECT_EQ(s.acquire(9, deadline::after(100ms)).error(), errc::timeout); });
  ASSERT_TRUE(test::eventually([&] { return has_waiters(s); }));
  s.release(2);  // 2 free: not enough for the head
  std::atomic<bool> small_done{false};
  test::scoped_thread small([&] {
    ASSERT_TRUE(s.acquire(2, deadline::after(10s)).has_value());
    small_done = true;
  });
  large.join();
  small.join();
  EXPECT_TRUE(small_done.load());
  EXPECT_EQ(s.available(), 0);
  s.release(10);
}

TEST(SemaphoreTest, StressNeverExceedsCapacityAndLosesNoUnits) {
  constexpr std::int64_t kCap = 8;
  semaphore s(kCap);
  std::atomic<std::int64_t> in_use{0};
  std::atomic<bool> over{false};
  std::atomic<int> timeouts{0};
  const int kIters = test::scaled(5000);
  std::vector<test::scoped_thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::minstd_rand rng(static_cast<unsigned>(t + 1));
      for (int i = 0; i < kIters; ++i) {
        const std::int64_t n = 1 + static_cast<std::int64_t>(rng() % kCap);
        if (i % 3 == 0) {
          if (!s.try_acquire(n)) continue;
        } else if (!s.acquire(n, deadline::after(10s))) {
          timeouts.fetch_add(1);
          return;
        }
        if (in_use.fetch_add(n) + n > kCap) over = true;
        if (i % 8 == 0) std::this_thread::yield();  // hold it a while: others queue
        in_use.fetch_sub(n);
        s.release(n);
      }
    });
  }
  threads.clear();
  EXPECT_FALSE(over.load());
  EXPECT_EQ(timeouts.load(), 0);
  EXPECT_EQ(s.available(), kCap);
  EXPECT_TRUE(s.try_acquire(kCap));
}

TEST(SemaphoreDeathTest, ReleasingMoreThanHeldAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        semaphore s(3);
        s.release(1);
      },
      "sync: semaphore released more than held");
  EXPECT_DEATH(
      {
        semaphore s(3);
        (void)s.try_acquire(2);
        s.release(3);
      },
      "sync: semaphore released more than held");
}

TEST(SemaphoreDeathTest, NegativeWeightsAbort) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        semaphore s(3);
        (void)s.acquire(-1);
      },
      "sync: semaphore acquire of negative n");
  EXPECT_DEATH(
      {
        semaphore s(3);
        s.release(-1);
      },
      "sync: semaphore release of negative n");
  EXPECT_DEATH({ semaphore s(-1); }, "sync: semaphore capacity out of range");
}

}  // namespace
}  // namespace conduit
