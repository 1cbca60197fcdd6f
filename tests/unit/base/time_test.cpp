#include <gtest/gtest.h>

#include <chrono>
#include <conduit/time.hpp>

namespace conduit {
namespace {

using namespace std::chrono_literals;

TEST(DeadlineTest, DefaultIsNever) {
  deadline d;
  EXPECT_TRUE(d.is_never());
  EXPECT_FALSE(d.passed());
  EXPECT_EQ(d.remaining(), deadline::duration::max());
  EXPECT_EQ(d.to_ns(), INT64_MAX);
  EXPECT_TRUE(deadline::from_ns(INT64_MAX).is_never());
}

TEST(DeadlineTest, PastHasPassed) {
  EXPECT_TRUE(deadline::past().passed());
  EXPECT_EQ(deadline::past().remaining(), deadline::duration::zero());
  EXPECT_TRUE(deadline::after(-5s).passed());
  EXPECT_TRUE(deadline::after(0s).passed());
}

TEST(DeadlineTest, AfterIsRelativeToNow) {
  auto before = clock::now();
  deadline d = deadline::after(10s);
  EXPECT_GE(d.when(), before + 10s);
  EXPECT_LE(d.when(), clock::now() + 10s);
  EXPECT_FALSE(d.passed());
  EXPECT_GT(d.remaining(), 9s);
}

TEST(DeadlineTest, HugeDurationsSaturate) {
  EXPECT_TRUE(deadline::after(std::chrono::hours::max()).is_never());
  EXPECT_TRUE(deadline::after(std::chrono::seconds::max()).is_never());
  EXPECT_TRUE(deadline::after(std::chrono::seconds::min()).passed());
}

TEST(DeadlineTest, ImplicitFromTimePointAndOrdering) {
  deadline a = clock::now() + 1s;
  deadline b = clock::now() + 2s;
  EXPECT_LT(a, b);
  EXPECT_EQ(deadline::earlier(a, b), a);
  EXPECT_EQ(deadline::earlier(deadline::never(), a), a);
  EXPECT_EQ(deadline::from_ns(a.to_ns()), a);
}

TEST(DeadlineTest, TimespecIsMonotonic) {
  deadline d = deadline::after(1s);
  timespec ts = to_timespec(d);
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  EXPECT_GE(ts.tv_sec, now.tv_sec);
  EXPECT_LE(ts.tv_sec, now.tv_sec + 2);
  timespec p = to_timespec(deadline::past());
  EXPECT_EQ(p.tv_sec, 0);
}

}  // namespace
}  // namespace conduit
