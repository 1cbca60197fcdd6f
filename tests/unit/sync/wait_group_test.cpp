#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <conduit/sync/wait_group.hpp>
#include <thread>
#include <vector>

#include "support/support.hpp"
#include "unit/sync/sync_test_support.hpp"

namespace conduit {
namespace {

using namespace std::chrono_literals;

TEST(WaitGroupTest, WaitOnZeroReturnsAtOnce) {
  wait_group wg;
  wg.wait();
  EXPECT_TRUE(wg.wait_until(deadline::past()).has_value());
  EXPECT_EQ(wg.count(), 0);
}

TEST(WaitGroupTest, WaitUntilTimesOutWhileCounterIsPositive) {
  wait_group wg;
  wg.add(1);
  const auto start = clock::now();
  const result<void> r = wg.wait_for(30ms);
  const auto took = clock::now() - start;
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), errc::timeout);
  EXPECT_GE(took, 30ms);
  EXPECT_LT(took, 30ms + test::kSlack);
  EXPECT_EQ(wg.wait_until(deadline::past()).error(), errc::timeout);
  wg.done();
  EXPECT_TRUE(wg.wait_until(deadline::past()).has_value());
}

// Every worker's writes before done() are visible after wait(), and wait() does not return
// while one done() is missing.
TEST(WaitGroupTest, WaitReturnsOnlyAfterEveryDone) {
  constexpr int kWorkers = 8;
  wait_group wg;
  wait_group release;  // holds the last worker back until the main thread has checked
  release.add(1);
  std::vector<int> results(kWorkers, 0);  // each written by one worker before its done()
  std::vector<test::scoped_thread> workers;
  wg.add(kWorkers);
  for (int i = 0; i < kWorkers; ++i) {
    workers.emplace_back([&, i] {
      if (i == kWorkers - 1) {
        ASSERT_TRUE(release.wait_until(deadline::after(10s)));
      }
      results[static_cast<std::size_t>(i)] = i + 1;
      wg.done();
    });
  }
  // Seven are done (or about to be), the eighth is held: wait must not return.
  EXPECT_EQ(wg.wait_for(50ms).error(), errc::timeout);
  EXPECT_GE(wg.count(), 1);
  release.done();
  ASSERT_TRUE(wg.wait_until(deadline::after(10s)).has_value());
  EXPECT_EQ(wg.count(), 0);
  for (int i = 0; i < kWorkers; ++i) EXPECT_EQ(results[static_cast<std::size_t>(i)], i + 1);
}

TEST(WaitGroupTest, ManyWaitersAllWake) {
  wait_group wg;
  wg.add(1);
  std::atomic<int> woke{0};
  std::vector<test::scoped_thread> waiters;
  for (int i = 0; i < 6; ++i) {
    waiters.emplace_back([&] {
      if (wg.wait_until(deadline::after(10s))) woke.fetch_add(1);
    });
  }
  wg.done();
  waiters.clear();
  EXPECT_EQ(woke.load(), 6);
}

TEST(WaitGroupTest, ReusableAcrossRounds) {
  wait_group wg;
  const int kRounds = test::scaled(300);
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<int> ran{0};
    wg.add(2);
    test::scoped_thread a([&] {
      ran.fetch_add(1);
      wg.done();
    });
    test::scoped_thread b([&] {
      ran.fetch_add(1);
      wg.done();
    });
    ASSERT_TRUE(wg.wait_until(deadline::after(10s)).has_value()) << "round " << round;
    EXPECT_EQ(ran.load(), 2);
  }
}

TEST(WaitGroupTest, AddWithNegativeDeltaCountsDown) {
  wait_group wg;
  wg.add(3);
  wg.add(-2);
  EXPECT_EQ(wg.count(), 1);
  wg.done();
  EXPECT_EQ(wg.count(), 0);
}

TEST(WaitGroupDeathTest, NegativeCounterAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        wait_group wg;
        wg.done();
      },
      "sync: negative wait_group counter");
  EXPECT_DEATH(
      {
        wait_group wg;
        wg.add(1);
        wg.add(-2);
      },
      "sync: negative wait_group counter");
}

}  // namespace
}  // namespace conduit
