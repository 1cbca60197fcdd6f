#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <conduit/sync/once.hpp>
#include <conduit/sync/wait_group.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/support.hpp"
#include "unit/sync/sync_test_support.hpp"

namespace conduit {
namespace {

using namespace std::chrono_literals;

TEST(OnceTest, RunsOnceSequentially) {
  once o;
  int calls = 0;
  EXPECT_FALSE(o.done());
  o.call([&] { ++calls; });
  o.call([&] { ++calls; });
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(o.done());
}

// 16 threads released together; exactly one runs f, and every caller returns only after f
// finished (it sees f's write).
TEST(OnceTest, RunsExactlyOnceAcross16Threads) {
  constexpr int kThreads = 16;
  const int kRounds = test::scaled(50);
  for (int round = 0; round < kRounds; ++round) {
    once o;
    std::atomic<int> calls{0};
    int value = 0;  // written by f, read by every caller after call()
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::atomic<int> saw_value{0};
    std::vector<test::scoped_thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&] {
        ready.fetch_add(1);
        while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
        o.call([&] {
          calls.fetch_add(1);
          test::busy_for(100us);  // keep the others waiting
          value = 42;
        });
        if (value == 42) saw_value.fetch_add(1);
      });
    }
    ASSERT_TRUE(test::eventually([&] { return ready.load() == kThreads; }));
    go.store(true, std::memory_order_release);
    threads.clear();  // joins
    ASSERT_EQ(calls.load(), 1) << "round " << round;
    ASSERT_EQ(saw_value.load(), kThreads) << "round " << round;
  }
}

TEST(OnceTest, ExceptionPropagatesAndLeavesOnceNotDone) {
  once o;
  EXPECT_THROW(o.call([] { throw std::runtime_error("boom"); }), std::runtime_error);
  EXPECT_FALSE(o.done());
  int calls = 0;
  o.call([&] { ++calls; });
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(o.done());
  o.call([&] { ++calls; });
  EXPECT_EQ(calls, 1);
}

// A caller waiting while the first f throws is woken and runs its own f.
TEST(OnceTest, WaiterRetriesWhenTheRunnerThrows) {
  once o;
  wait_group runner_started;
  runner_started.add(1);
  wait_group let_runner_throw;
  let_runner_throw.add(1);
  std::atomic<bool> second_ran{false};
  test::scoped_thread runner([&] {
    EXPECT_THROW(o.call([&] {
      runner_started.done();
      EXPECT_TRUE(let_runner_throw.wait_until(deadline::after(10s)).has_value());
      throw std::runtime_error("boom");
    }),
                 std::runtime_error);
  });
  ASSERT_TRUE(runner_started.wait_until(deadline::after(10s)).has_value());
  test::scoped_thread second([&] { o.call([&] { second_ran = true; }); });
  test::busy_for(20ms);  // let the second caller park behind the runner
  EXPECT_FALSE(second_ran.load());
  let_runner_throw.done();
  runner.join();
  second.join();
  EXPECT_TRUE(second_ran.load());
  EXPECT_TRUE(o.done());
}

TEST(OnceTest, AcceptsMoveOnlyAndMutableCallables) {
  once o;
  auto p = std::make_unique<int>(7);
  int seen = 0;
  o.call([q = std::move(p), &seen]() mutable { seen = *q; });
  EXPECT_EQ(seen, 7);
}

}  // namespace
}  // namespace conduit
