#include <gtest/gtest.h>

#include <chrono>
#include <conduit/sync/lock_all.hpp>
#include <conduit/sync/ranked_mutex.hpp>
#include <mutex>
#include <thread>

#include "support/support.hpp"
#include "unit/sync/lock_order_recorder.hpp"
#include "unit/sync/sync_test_support.hpp"

namespace conduit {
namespace {

using namespace std::chrono_literals;
using lock_order::violation;

class RankedMutexTest : public test::lock_order_fixture {};

TEST_F(RankedMutexTest, IncreasingRanksAreNotReported) {
  ranked_mutex a(1, "a"), b(2, "b"), c(3, "c");
  {
    std::scoped_lock la(a);
    std::scoped_lock lb(b);
    std::scoped_lock lc(c);
  }
  {
    std::scoped_lock la(a);  // skipping ranks is fine
    std::scoped_lock lc(c);
  }
  EXPECT_TRUE(test::reports().empty());
}

TEST_F(RankedMutexTest, InvertedRankIsReportedNamingBothLocks) {
  ranked_mutex ledger(20, "ledger"), accounts(10, "accounts");
  {
    std::scoped_lock l1(ledger);
    std::scoped_lock l2(accounts);  // 10 after 20: reported, then taken
  }
  const auto r = test::reports();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].what, violation::kind::rank_inversion);
  EXPECT_EQ(r[0].acquired, "accounts");
  EXPECT_EQ(r[0].acquired_rank, 10);
  EXPECT_EQ(r[0].held, "ledger");
  EXPECT_EQ(r[0].held_rank, 20);
  EXPECT_EQ(r[0].message,
            "lock order: acquiring \"accounts\" (rank 10) while holding \"ledger\" (rank 20)");
}

TEST_F(RankedMutexTest, EqualRankIsReported) {
  ranked_mutex a(5, "a"), b(5, "b");
  std::scoped_lock la(a);
  std::scoped_lock lb(b);
  const auto r = test::reports();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].acquired, "b");
  EXPECT_EQ(r[0].held, "a");
}

TEST_F(RankedMutexTest, ReportNamesTheHeldLockOfHighestRank) {
  ranked_mutex a(1, "a"), c(30, "c"), b(20, "b");
  a.lock();
  c.lock();
  b.lock();  // 20 below "c" (30)
  b.unlock();
  c.unlock();
  a.unlock();
  const auto r = test::reports();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].held, "c");
}

TEST_F(RankedMutexTest, ReleasingRestoresTheAllowedRanks) {
  ranked_mutex a(1, "a"), b(2, "b");
  b.lock();
  b.unlock();
  a.lock();  // nothing held any more: fine
  b.lock();
  b.unlock();
  a.unlock();
  EXPECT_TRUE(test::reports().empty());
}

TEST_F(RankedMutexTest, OutOfOrderUnlockIsTracked) {
  ranked_mutex a(1, "a"), b(2, "b"), c(3, "c");
  a.lock();
  b.lock();
  a.unlock();  // not LIFO
  c.lock();    // held: b (2) -> 3 is fine
  c.unlock();
  b.unlock();
  EXPECT_TRUE(test::reports().empty());
}

TEST_F(RankedMutexTest, TryLockIsNeverReportedButCountsAsHeld) {
  ranked_mutex low(1, "low"), high(2, "high"), mid(3, "mid");
  high.lock();
  ASSERT_TRUE(low.try_lock());  // against the order, but cannot block
  EXPECT_TRUE(test::reports().empty());
  mid.lock();  // 3 above both: fine
  mid.unlock();
  low.unlock();
  high.unlock();
  EXPECT_TRUE(test::reports().empty());
  ASSERT_TRUE(high.try_lock());
  low.lock();  // a blocking lock below a try-locked one is reported
  low.unlock();
  high.unlock();
  EXPECT_EQ(test::reports().size(), 1u);
}

TEST_F(RankedMutexTest, TimedLockIsCheckedLikeLock) {
  ranked_mutex a(2, "a"), b(1, "b");
  a.lock();
  ASSERT_TRUE(b.try_lock_for(1s));
  b.unlock();
  a.unlock();
  EXPECT_EQ(test::reports().size(), 1u);
}

TEST_F(RankedMutexTest, LockAllOverEqualRanksIsNotReported) {
  ranked_mutex x(7, "x"), y(7, "y");
  for (int i = 0; i < 100; ++i) {
    lock_all(x, y);
    x.unlock();
    y.unlock();
    lock_all(y, x);
    y.unlock();
    x.unlock();
  }
  EXPECT_TRUE(test::reports().empty());
}

TEST_F(RankedMutexTest, HeldListsArePerThread) {
  ranked_mutex a(2, "a"), b(1, "b");
  a.lock();
  test::scoped_thread t([&] {
    b.lock();  // this thread holds nothing
    b.unlock();
  });
  t.join();
  a.unlock();
  EXPECT_TRUE(test::reports().empty());
}

TEST_F(RankedMutexTest, ChecksOffReportNothing) {
  lock_order::set_checks(lock_order::checks::none);
  ranked_mutex a(2, "a"), b(1, "b");
  a.lock();
  b.lock();
  b.unlock();
  a.unlock();
  EXPECT_TRUE(test::reports().empty());
}

TEST_F(RankedMutexTest, ExcludesLikeAMutex) {
  ranked_mutex m(1, "m");
  long count = 0;  // guarded by m
  const int kIters = test::scaled(20000);
  test::scoped_thread t1([&] {
    for (int i = 0; i < kIters; ++i) {
      std::scoped_lock l(m);
      ++count;
    }
  });
  test::scoped_thread t2([&] {
    for (int i = 0; i < kIters; ++i) {
      std::scoped_lock l(m);
      ++count;
    }
  });
  t1.join();
  t2.join();
  EXPECT_EQ(count, 2L * kIters);
  EXPECT_EQ(m.rank(), 1);
  EXPECT_STREQ(m.name(), "m");
}

TEST(RankedMutexDeathTest, DefaultHandlerAbortsNamingBothLocks) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        lock_order::set_handler(nullptr);
        lock_order::set_checks(lock_order::checks::rank);
        ranked_mutex hi(2, "hi");
        ranked_mutex lo(1, "lo");
        hi.lock();
        lo.lock();
      },
      "conduit: lock order: acquiring \"lo\" \\(rank 1\\) while holding \"hi\" \\(rank 2\\)");
}

TEST(RankedMutexDeathTest, UnlockByAnotherThreadAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        lock_order::set_checks(lock_order::checks::rank);
        ranked_mutex m(1, "m");
        m.lock();
        std::thread([&] { m.unlock(); }).join();
      },
      "lock order: ranked_mutex \"m\" unlocked by a thread that does not hold it");
}

}  // namespace
}  // namespace conduit
