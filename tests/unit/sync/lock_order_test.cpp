#include <gtest/gtest.h>

#include <conduit/sync/lock_order.hpp>
#include <conduit/sync/ranked_mutex.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/support.hpp"
#include "unit/sync/lock_order_recorder.hpp"

namespace conduit {
namespace {

using lock_order::checks;
using lock_order::violation;

// Graph checks only: ranks play no part, so the cycles below are found by the graph alone.
class LockOrderGraphTest : public test::lock_order_fixture {
 protected:
  LockOrderGraphTest() : lock_order_fixture(checks::graph) {}
};

// Takes `first` then `second` on a new thread (and releases both).
void nest_on_thread(ranked_mutex& first, ranked_mutex& second) {
  test::scoped_thread t([&] {
    first.lock();
    second.lock();
    second.unlock();
    first.unlock();
  });
}

TEST_F(LockOrderGraphTest, CycleAcrossThreeLocksOnThreeThreadsIsReported) {
  ranked_mutex a(0, "a"), b(0, "b"), c(0, "c");
  nest_on_thread(a, b);  // a -> b
  nest_on_thread(b, c);  // b -> c
  EXPECT_TRUE(test::reports().empty());
  // No run deadlocked, but c -> a closes a -> b -> c -> a: three threads interleaved
  // differently would deadlock. Reported the first time it becomes possible.
  nest_on_thread(c, a);
  const auto r = test::reports();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].what, violation::kind::cycle);
  EXPECT_EQ(r[0].acquired, "a");
  EXPECT_EQ(r[0].held, "c");
  EXPECT_EQ(r[0].cycle, (std::vector<std::string>{"a", "b", "c", "a"}));
  EXPECT_EQ(r[0].message,
            "lock order: potential deadlock: cycle \"a\" -> \"b\" -> \"c\" -> \"a\" (acquiring "
            "\"a\" while holding \"c\")");
}

TEST_F(LockOrderGraphTest, ACycleIsReportedOnce) {
  ranked_mutex a(0, "a"), b(0, "b");
  nest_on_thread(a, b);
  nest_on_thread(b, a);
  nest_on_thread(b, a);
  nest_on_thread(a, b);
  EXPECT_EQ(test::reports().size(), 1u);
}

TEST_F(LockOrderGraphTest, ConsistentOrderIsNotReported) {
  ranked_mutex a(0, "a"), b(0, "b"), c(0, "c");
  for (int i = 0; i < 3; ++i) {
    nest_on_thread(a, b);
    nest_on_thread(b, c);
    nest_on_thread(a, c);
  }
  EXPECT_TRUE(test::reports().empty());
}

TEST_F(LockOrderGraphTest, TryLockRecordsNoEdge) {
  ranked_mutex a(0, "a"), b(0, "b");
  nest_on_thread(a, b);
  test::scoped_thread t([&] {
    b.lock();
    ASSERT_TRUE(a.try_lock());  // b -> a by try_lock cannot deadlock
    a.unlock();
    b.unlock();
  });
  t.join();
  EXPECT_TRUE(test::reports().empty());
}

TEST_F(LockOrderGraphTest, DestroyedMutexIsForgotten) {
  ranked_mutex a(0, "a"), b(0, "b");
  {
    ranked_mutex x(0, "x");
    nest_on_thread(a, x);  // a -> x
    nest_on_thread(x, b);  // x -> b
  }
  // a reached b only through x, which is gone.
  nest_on_thread(b, a);
  EXPECT_TRUE(test::reports().empty());
}

TEST_F(LockOrderGraphTest, TurningGraphChecksOnStartsAfresh) {
  ranked_mutex a(0, "a"), b(0, "b");
  nest_on_thread(a, b);
  lock_order::set_checks(checks::none);
  lock_order::set_checks(checks::graph);
  nest_on_thread(b, a);  // the earlier a -> b was forgotten
  EXPECT_TRUE(test::reports().empty());
}

TEST_F(LockOrderGraphTest, RankAndGraphTogetherReportBoth) {
  lock_order::set_checks(checks::all);
  ranked_mutex a(1, "a"), b(2, "b");
  nest_on_thread(a, b);
  nest_on_thread(b, a);  // a rank inversion and a cycle
  const auto r = test::reports();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].what, violation::kind::rank_inversion);
  EXPECT_EQ(r[1].what, violation::kind::cycle);
}

TEST(LockOrderTest, SetHandlerReturnsThePreviousOne) {
  const lock_order::handler before = lock_order::set_handler(&test::record_report);
  EXPECT_EQ(lock_order::set_handler(before), &test::record_report);
}

TEST(LockOrderTest, SetChecksIsVisible) {
  const checks before = lock_order::enabled_checks();
  lock_order::set_checks(checks::all);
  EXPECT_EQ(lock_order::enabled_checks(), checks::all);
  EXPECT_TRUE(lock_order::has(lock_order::enabled_checks(), checks::graph));
  lock_order::set_checks(before);
}

TEST(LockOrderDeathTest, DefaultHandlerAbortsOnACycle) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        lock_order::set_handler(nullptr);
        lock_order::set_checks(checks::graph);
        ranked_mutex a(0, "a");
        ranked_mutex b(0, "b");
        nest_on_thread(a, b);
        nest_on_thread(b, a);
      },
      "conduit: lock order: potential deadlock: cycle \"a\" -> \"b\" -> \"a\"");
}

}  // namespace
}  // namespace conduit
