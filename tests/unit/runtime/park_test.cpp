#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <conduit/runtime/park.hpp>
#include <thread>

#include "support/support.hpp"

namespace conduit::runtime {
namespace {

using namespace std::chrono_literals;

TEST(ParkTest, UnparkBeforeParkMakesParkReturnAtOnce) {
  parker& me = current();
  me.unpark();
  auto start = clock::now();
  EXPECT_TRUE(me.park(deadline::never()));
  EXPECT_LT(clock::now() - start, test::kSlack);
}

TEST(ParkTest, PermitsDoNotAccumulate) {
  parker& me = current();
  me.unpark();
  me.unpark();
  EXPECT_TRUE(me.park(deadline::never()));
  EXPECT_FALSE(me.park(deadline::after(20ms)));
}

TEST(ParkTest, ParkTimesOutAtItsDeadline) {
  auto start = clock::now();
  bool got = park(deadline::after(50ms));
  auto took = clock::now() - start;
  EXPECT_FALSE(got);
  EXPECT_GE(took, 50ms);
  EXPECT_LT(took, 50ms + test::kSlack);
}

TEST(ParkTest, PastDeadlineNeverBlocks) {
  auto start = clock::now();
  EXPECT_FALSE(park(deadline::past()));
  EXPECT_LT(clock::now() - start, 5ms);
}

TEST(ParkTest, UnparkFromAnotherThreadWakesTheParkedThread) {
  std::atomic<parker*> target{nullptr};
  std::atomic<bool> flag{false};
  std::atomic<bool> woke{false};
  std::atomic<bool> released{false};
  test::scoped_thread t([&] {
    target.store(&current());
    deadline limit = deadline::after(10s);
    while (!flag.load() && !limit.passed()) park(limit);
    woke.store(flag.load());
    while (!released.load()) std::this_thread::yield();  // parker stays alive for unpark()
  });
  while (target.load() == nullptr) std::this_thread::yield();
  flag.store(true);
  target.load()->unpark();
  released.store(true);
  t.join();
  EXPECT_TRUE(woke.load());
}

TEST(ParkTest, ParkedThreadWithoutSpinWakesOnUnpark) {
  auto old = spin_budget();
  set_spin_budget(0ns);
  std::atomic<parker*> target{nullptr};
  std::atomic<int> stage{0};
  std::atomic<bool> released{false};
  test::scoped_thread t([&] {
    target.store(&current());
    deadline limit = deadline::after(10s);
    while (stage.load() == 0 && !limit.passed()) park(limit);
    while (!released.load()) std::this_thread::yield();
    stage.store(2);
  });
  while (target.load() == nullptr) std::this_thread::yield();
  std::this_thread::sleep_for(20ms);  // let it reach the futex (no event to sync on)
  stage.store(1);
  target.load()->unpark();
  released.store(true);
  t.join();
  EXPECT_EQ(stage.load(), 2);
  set_spin_budget(old);
}

TEST(ParkTest, SpinBudgetIsTunable) {
  auto old = spin_budget();
  set_spin_budget(1234ns);
  EXPECT_EQ(spin_budget(), 1234ns);
  set_spin_budget(-5ns);
  EXPECT_EQ(spin_budget(), 0ns);
  set_spin_budget(old);
}

TEST(ParkTest, PingPongManyRoundsNoLostWakeup) {
  // Two threads hand a token back and forth; a lost wake-up would hang (the watchdog and
  // the deadline catch it).
  constexpr int kRounds = 20000;
  std::atomic<int> turn{0};
  std::atomic<parker*> other{nullptr};
  parker& me = current();
  deadline limit = deadline::after(60s);
  test::scoped_thread t([&] {
    other.store(&current());
    for (int i = 0; i < kRounds; ++i) {
      while (turn.load(std::memory_order_acquire) != 1 && !limit.passed()) park(limit);
      turn.store(0, std::memory_order_release);
      me.unpark();
    }
  });
  while (other.load() == nullptr) std::this_thread::yield();
  for (int i = 0; i < kRounds; ++i) {
    turn.store(1, std::memory_order_release);
    other.load()->unpark();
    while (turn.load(std::memory_order_acquire) != 0 && !limit.passed()) park(limit);
  }
  t.join();
  EXPECT_FALSE(limit.passed());
}

class WaitFdTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::pipe2(p_, O_CLOEXEC | O_NONBLOCK), 0); }
  void TearDown() override {
    ::close(p_[0]);
    ::close(p_[1]);
  }
  int p_[2];
};

TEST_F(WaitFdTest, ReadyWhenDataIsThere) {
  ASSERT_EQ(::write(p_[1], "x", 1), 1);
  EXPECT_EQ(wait_fd(p_[0], interest::read, deadline::after(5s)), fd_wait::ready);
}

TEST_F(WaitFdTest, WritableEndIsReady) {
  EXPECT_EQ(wait_fd(p_[1], interest::write, deadline::after(5s)), fd_wait::ready);
}

TEST_F(WaitFdTest, TimesOutAtTheDeadline) {
  auto start = clock::now();
  EXPECT_EQ(wait_fd(p_[0], interest::read, deadline::after(50ms)), fd_wait::timeout);
  EXPECT_GE(clock::now() - start, 50ms);
  EXPECT_EQ(wait_fd(p_[0], interest::read, deadline::past()), fd_wait::timeout);
}

TEST_F(WaitFdTest, UnparkFromAnotherThreadInterruptsWithin100ms) {
  std::atomic<parker*> target{nullptr};
  std::atomic<int> result{-1};
  std::atomic<bool> started{false};
  test::scoped_thread t([&] {
    target.store(&current());
    started.store(true);
    result.store(static_cast<int>(wait_fd(p_[0], interest::read, deadline::after(10s))));
  });
  while (!started.load()) std::this_thread::yield();
  std::this_thread::sleep_for(20ms);  // let it enter ppoll
  auto start = clock::now();
  target.load()->unpark();
  t.join();
  EXPECT_LT(clock::now() - start, 100ms + test::kSlack);
  EXPECT_EQ(result.load(), static_cast<int>(fd_wait::unparked));
}

TEST_F(WaitFdTest, WakeFdIsDrainedAfterAnInterruptedWait) {
  // After an unpark consumed by wait_fd, the next wait must not return early.
  std::atomic<parker*> target{nullptr};
  std::atomic<bool> ok{false};
  test::scoped_thread t([&] {
    target.store(&current());
    fd_wait first = wait_fd(p_[0], interest::read, deadline::after(10s));
    fd_wait second = wait_fd(p_[0], interest::read, deadline::after(30ms));
    ok.store(first == fd_wait::unparked && second == fd_wait::timeout);
  });
  while (target.load() == nullptr) std::this_thread::yield();
  std::this_thread::sleep_for(20ms);
  target.load()->unpark();
  t.join();
  EXPECT_TRUE(ok.load());
}

}  // namespace
}  // namespace conduit::runtime
