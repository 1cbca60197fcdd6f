#include <dirent.h>
#include <gtest/gtest.h>

#include <conduit/select.hpp>
#include <conduit/timer.hpp>
#include <vector>

#include "support/support.hpp"

namespace conduit {
namespace {

using namespace std::chrono_literals;

int thread_count() {
  DIR* d = ::opendir("/proc/self/task");
  int n = 0;
  while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n;
}

TEST(TimerTest, AfterDeliversOnceAfterTheDuration) {
  auto start = clock::now();
  auto ch = after(30ms);
  auto v = ch.recv_for(10s);
  ASSERT_TRUE(v);
  EXPECT_GE(*v - start, 30ms);
  EXPECT_LT(clock::now() - start, 30ms + test::kSlack);
  EXPECT_EQ(ch.recv_for(50ms).error(), errc::timeout);
}

TEST(TimerTest, AfterInSelectBoundsAWait) {
  chan<int> never(0);
  bool timed_out = false;
  select(recv_case(never), recv_case(after(20ms), [&](auto) { timed_out = true; }));
  EXPECT_TRUE(timed_out);
}

TEST(TimerTest, StopBeforeFiringPreventsDelivery) {
  timer t(50ms);
  EXPECT_TRUE(t.stop());
  EXPECT_FALSE(t.stop());
  EXPECT_EQ(t.c().recv_for(150ms).error(), errc::timeout);
}

TEST(TimerTest, StopAfterAnUnreceivedFiringReturnsTrueAndDropsTheValue) {
  timer t(1ms);
  // Wait until it has fired (the value sits in the channel).
  deadline limit = deadline::after(10s);
  while (t.c().size() == 0 && !limit.passed()) sleep_for(1ms);
  EXPECT_TRUE(t.stop());  // Go 1.23: not received yet, so still active
  EXPECT_EQ(t.c().try_recv().error(), errc::would_block);
  EXPECT_FALSE(t.stop());
}

TEST(TimerTest, StopAfterTheValueWasReceivedReturnsFalse) {
  timer t(1ms);
  ASSERT_TRUE(t.c().recv_for(10s));
  EXPECT_FALSE(t.stop());
}

TEST(TimerTest, ResetRestartsTheTimer) {
  timer t(1h);
  auto start = clock::now();
  EXPECT_TRUE(t.reset(20ms));
  auto v = t.c().recv_for(10s);
  ASSERT_TRUE(v);
  EXPECT_GE(*v - start, 20ms);
  EXPECT_FALSE(t.reset(10ms));  // had fired
  EXPECT_TRUE(t.c().recv_for(10s));
}

TEST(TimerTest, TickerTicksAndDropsForSlowReceivers) {
  ticker tk(10ms);
  auto start = clock::now();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(tk.c().recv_for(10s));
  EXPECT_GE(clock::now() - start, 25ms);
  // A slow receiver: ticks do not pile up beyond the one buffered.
  sleep_for(60ms);
  EXPECT_LE(tk.c().size(), 1u);
  tk.stop();
  (void)tk.c().try_recv();
  EXPECT_EQ(tk.c().recv_for(40ms).error(), errc::timeout);
}

TEST(TimerTest, TickerResetChangesThePeriod) {
  ticker tk(1h);
  tk.reset(10ms);
  EXPECT_TRUE(tk.c().recv_for(10s));
}

TEST(TimerTest, TenThousandTimersDoNotMeanTenThousandThreads) {
  (void)after(0ms).recv_for(10s);  // the timer thread exists
  int before = thread_count();
  std::vector<chan<clock::time_point>> chans;
  for (int i = 0; i < 10000; ++i) chans.push_back(after(std::chrono::microseconds(i)));
  EXPECT_LE(thread_count(), before);
  for (auto& c : chans) ASSERT_TRUE(c.recv_for(30s));
}

TEST(TimerTest, SleepForSleepsAtLeastThatLong) {
  auto start = clock::now();
  sleep_for(20ms);
  EXPECT_GE(clock::now() - start, 20ms);
  sleep_until(deadline::past());
}

TEST(TimerDeathTest, TickerWithZeroPeriodAborts) {
  EXPECT_DEATH(ticker(0ms), "conduit: non-positive interval for ticker");
}

}  // namespace
}  // namespace conduit
