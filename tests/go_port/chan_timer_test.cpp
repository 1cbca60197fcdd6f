// Behaviour ported from Go's timer tests: golang/go src/time/sleep_test.go (TestAfterStop,
// TestAfterQueuing, TestReset, TestTimerStopStress, TestStopResult, TestResetResult) and
// src/time/tick_test.go (TestTickerResetLtZeroDuration). The code is conduit's own: threads
// stand in for goroutines, every blocking call is bounded, and the durations are Go's -short
// ones or smaller. Timing checks keep Go's slack and, like Go, retry a few times with longer
// durations before failing, since this machine is small and shared.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <conduit/chan.hpp>
#include <conduit/select.hpp>
#include <conduit/timer.hpp>
#include <string>
#include <vector>

#include "go_port/goroutines.hpp"
#include "support/support.hpp"

namespace conduit {
namespace {

using namespace std::chrono_literals;
using test::goroutines;

deadline test_end() { return deadline::after(test::kTestBudget); }

// Runs attempt(i) for i = 0, 1, 2 until one returns an empty string (success); fails with the
// last message otherwise.
template <class F>
void with_retries(F attempt) {
  std::string err;
  for (int i = 0; i < 3; ++i) {
    err = attempt(i);
    if (err.empty()) return;
  }
  ADD_FAILURE() << err;
}

// Go: time/sleep_test.go TestAfterStop. Stopped timers deliver nothing; stopping twice says
// false the second time.
TEST(GoTimerTest, AfterStopStoppedTimersDeliverNothing) {
  with_retries([](int) -> std::string {
    timer t0(50ms), t1(150ms);
    auto c2 = after(200ms);
    if (!t0.stop()) return "failed to stop event 0";
    if (!t1.stop()) return "failed to stop event 1";
    if (!c2.recv_for(10s)) return "after(200ms) never fired";
    if (t0.c().try_recv()) return "event 0 was not stopped";
    if (t1.c().try_recv()) return "event 1 was not stopped";
    if (t1.stop()) return "stop returned true twice";
    return "";
  });
}

// Go: time/sleep_test.go TestAfterQueuing. Timers started in a scrambled order deliver in the
// order of their durations, each no earlier than Delta/2 before its time and no later than
// 10 Delta after it. (Go: Delta 20 ms with -short; here 20, 70, 120 ms on retries.)
TEST(GoTimerTest, AfterQueuingDeliversInDurationOrder) {
  with_retries([](int attempt) -> std::string {
    const deadline end = test_end();
    const clock::duration delta = std::chrono::milliseconds(20 + 50 * attempt);
    std::vector<int> slots = {5, 3, 6, 6, 6, 1, 1, 2, 7, 9, 4, 8, 0};
    struct after_result {
      int slot;
      clock::time_point t;
    };
    chan<after_result> result(slots.size());
    goroutines g;
    const auto t0 = clock::now();
    for (int slot : slots) {
      g.go([&, slot, ac = after(slot * delta)] {  // Go: await
        auto t = ac.recv_until(end);
        if (t) (void)result.send_until(after_result{slot, *t}, end);
      });
    }
    std::sort(slots.begin(), slots.end());
    std::string err;
    for (int slot : slots) {
      auto r = result.recv_until(end);
      if (!r) return "no result";
      if (err.empty() && r->slot != slot) {
        err = "after slot: want " + std::to_string(slot) + ", got " + std::to_string(r->slot);
      }
      const auto dt = r->t - t0, target = slot * delta;
      if (err.empty() && (dt < target - delta / 2 || dt > target + delta * 10)) {
        err = "after(" + std::to_string(slot) + " delta) arrived out of its window";
      }
    }
    if (!g.wait(end)) return "a thread is still blocked";
    return err;
  });
}

// Go: time/sleep_test.go TestReset. Resetting an active timer moves its firing: it has not
// fired at the old time, it has at the new one, and resetting it after it fired returns
// false.
TEST(GoTimerTest, ResetMovesTheFiringTime) {
  with_retries([](int attempt) -> std::string {
    const clock::duration d = std::chrono::milliseconds(25 << attempt);
    timer t0(2 * d);
    sleep_for(d);
    if (!t0.reset(3 * d)) return "resetting unfired timer returned false";
    sleep_for(2 * d);
    if (t0.c().try_recv()) return "timer fired early";
    sleep_for(2 * d);
    if (!t0.c().try_recv()) return "reset timer did not fire";
    if (t0.reset(50ms)) return "resetting expired timer returned true";
    return "";
  });
}

// Go: time/sleep_test.go TestTimerStopStress (Go: 100 goroutines, timers of 2 s stopped
// after 1 s). Timers stopped by the threads that started them never fire.
TEST(GoTimerTest, TimerStopStressStoppedTimersNeverFire) {
  const deadline end = test_end();
  std::atomic<int> fired{0}, not_stopped{0};
  goroutines g;
  for (int i = 0; i < 16; ++i) {
    g.go([&] {
      std::vector<timer> ts;
      for (int k = 0; k < 50; ++k) ts.emplace_back(2s);
      sleep_for(20ms);
      for (auto& t : ts) {
        if (!t.stop()) not_stopped.fetch_add(1);
      }
      for (auto& t : ts) {
        if (t.c().try_recv()) fired.fetch_add(1);
      }
    });
  }
  EXPECT_TRUE(g.wait(end));
  EXPECT_EQ(not_stopped.load(), 0);
  EXPECT_EQ(fired.load(), 0);
}

// Go: time/sleep_test.go TestStopResult and TestResetResult (issue 69312). Two timers of
// 1 ms race; a select takes the first, then stops (or resets to an hour) the other. Go
// guarantees that Stop (Reset) returns false only when a value can still be read from the
// channel: with Go 1.23's channels an expired timer whose value nobody received counts as
// active, so Stop returns true; before Go 1.23 Stop returned false and the value stayed
// buffered. Either way `if (!stop) <-C` never blocks. Go: 1000 goroutines x 100 rounds; here
// 8 threads x 50 rounds, and a blocked read (100 ms) fails the round.
void stop_reset_result(bool test_stop) {
  const deadline end = test_end();
  auto stop_or_reset = [test_stop](timer& t) { return test_stop ? t.stop() : t.reset(1h); };
  std::atomic<int> blocked{0};
  goroutines g;
  for (int i = 0; i < 8; ++i) {
    g.go([&] {
      for (int j = 0; j < 50; ++j) {
        timer timer1(1ms), timer2(1ms);
        int first = 0;
        if (!select_until(end, recv_case(timer1.c(), [&](auto) { first = 1; }),
                          recv_case(timer2.c(), [&](auto) { first = 2; }))) {
          blocked.fetch_add(1);
          return;
        }
        timer& other = first == 1 ? timer2 : timer1;
        if (!stop_or_reset(other) && !other.c().recv_for(100ms)) {
          blocked.fetch_add(1);  // Go: "The test fails if this channel read times out."
          return;
        }
      }
    });
  }
  EXPECT_TRUE(g.wait(end));
  EXPECT_EQ(blocked.load(), 0) << (test_stop ? "stop" : "reset")
                               << "() returned false, yet no value could be received";
}

TEST(GoTimerTest, StopResultFalseMeansAValueCanBeReceived) { stop_reset_result(true); }

TEST(GoTimerTest, ResetResultFalseMeansAValueCanBeReceived) { stop_reset_result(false); }

// Go: time/tick_test.go TestTickerResetLtZeroDuration. Reset with a period that is not
// positive panics in Go; it aborts in conduit. (The constructor case is a unit test.)
TEST(GoTimerDeathTest, TickerResetWithNonPositivePeriodAborts) {
  EXPECT_DEATH(
      {
        ticker tk(1h);
        tk.reset(0ms);
      },
      "conduit: non-positive interval for ticker.reset");
}

}  // namespace
}  // namespace conduit
