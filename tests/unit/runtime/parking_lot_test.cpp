#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <conduit/runtime/parking_lot.hpp>
#include <thread>
#include <vector>

#include "support/support.hpp"

namespace conduit::runtime {
namespace {

using namespace std::chrono_literals;

TEST(ParkingLotTest, ValidateFalseNeverSleeps) {
  int key = 0;
  auto r = park_on(
      &key, [] { return false; }, deadline::never());
  EXPECT_EQ(r.status, park_status::invalid);
}

TEST(ParkingLotTest, TimeoutRemovesTheWaiterAndReportsLast) {
  int key = 0;
  bool last = false;
  auto start = clock::now();
  auto r = park_on(
      &key, [] { return true; }, [&](bool was_last) { last = was_last; }, deadline::after(30ms));
  EXPECT_EQ(r.status, park_status::timeout);
  EXPECT_TRUE(last);
  EXPECT_GE(clock::now() - start, 30ms);
  // Nobody left to wake.
  EXPECT_EQ(unpark_all(&key), 0u);
}

TEST(ParkingLotTest, UnparkOneWakesInFifoOrderWithTokens) {
  int key = 0;
  constexpr int kN = 4;
  std::atomic<int> queued{0};
  std::vector<std::uintptr_t> got(kN, 0);
  std::vector<test::scoped_thread> ts;
  for (int i = 0; i < kN; ++i) {
    // Thread i queues only after thread i-1 is queued: the queue order is 0..kN-1.
    while (queued.load() != i) std::this_thread::yield();
    ts.emplace_back([&, i] {
      auto r = park_on(
          &key,
          [&] {
            queued.fetch_add(1);
            return true;
          },
          deadline::after(10s));
      got[i] = r.status == park_status::unparked ? r.token : 999;
    });
  }
  while (queued.load() != kN) std::this_thread::yield();
  for (int i = 0; i < kN; ++i) {
    auto r = unpark_one(&key, [&](unpark_result res) -> std::uintptr_t {
      EXPECT_EQ(res.unparked, 1u);
      EXPECT_EQ(res.have_more, i + 1 < kN);
      return static_cast<std::uintptr_t>(100 + i);
    });
    EXPECT_EQ(r.unparked, 1u);
  }
  for (auto& t : ts) t.join();
  for (int i = 0; i < kN; ++i) EXPECT_EQ(got[i], static_cast<std::uintptr_t>(100 + i));
}

TEST(ParkingLotTest, UnparkOneWithNobodyRunsCallbackWithZero) {
  int key = 0;
  bool called = false;
  auto r = unpark_one(&key, [&](unpark_result res) -> std::uintptr_t {
    called = true;
    EXPECT_EQ(res.unparked, 0u);
    return 0;
  });
  EXPECT_TRUE(called);
  EXPECT_EQ(r.unparked, 0u);
}

TEST(ParkingLotTest, UnparkAllWakesEveryWaiter) {
  int key = 0;
  constexpr int kN = 8;
  std::atomic<int> queued{0}, woke{0};
  std::vector<test::scoped_thread> ts;
  for (int i = 0; i < kN; ++i) {
    ts.emplace_back([&] {
      auto r = park_on(
          &key,
          [&] {
            queued.fetch_add(1);
            return true;
          },
          deadline::after(10s));
      if (r.status == park_status::unparked && r.token == 7) woke.fetch_add(1);
    });
  }
  while (queued.load() != kN) std::this_thread::yield();
  EXPECT_EQ(unpark_all(&key, 7), static_cast<std::size_t>(kN));
  for (auto& t : ts) t.join();
  EXPECT_EQ(woke.load(), kN);
}

TEST(ParkingLotTest, UnparkFilterSkipsAndStops) {
  int key = 0;
  constexpr int kN = 5;
  std::atomic<int> queued{0};
  std::vector<int> status(kN, -1);
  std::vector<test::scoped_thread> ts;
  for (int i = 0; i < kN; ++i) {
    while (queued.load() != i) std::this_thread::yield();
    ts.emplace_back([&, i] {
      auto r = park_on(
          &key,
          [&] {
            queued.fetch_add(1);
            return true;
          },
          deadline::after(10s), static_cast<std::uintptr_t>(i));
      status[i] = r.status == park_status::unparked ? 1 : 0;
    });
  }
  while (queued.load() != kN) std::this_thread::yield();
  // Wake the even tokens among the first four; stop at token 4.
  std::size_t n = unpark_filter(
      &key,
      [](std::uintptr_t t) {
        if (t == 4) return filter_op::stop;
        return t % 2 == 0 ? filter_op::unpark : filter_op::skip;
      },
      [](unpark_result r) -> std::uintptr_t {
        EXPECT_EQ(r.unparked, 2u);
        EXPECT_TRUE(r.have_more);
        return 1;
      });
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(unpark_all(&key), 3u);
  for (auto& t : ts) t.join();
  for (int s : status) EXPECT_EQ(s, 1);
}

// A counting semaphore over the parking lot: the validate-under-lock protocol must not lose a
// wake-up when release races with acquire.
TEST(ParkingLotTest, NoLostWakeupUnderStress) {
  std::atomic<int> permits{0};
  constexpr int kThreads = 4, kEach = 5000;
  auto acquire = [&](deadline limit) {
    for (;;) {
      int v = permits.load();
      while (v > 0) {
        if (permits.compare_exchange_weak(v, v - 1)) return true;
      }
      auto r = park_on(
          &permits, [&] { return permits.load() == 0; }, limit);
      if (r.status == park_status::timeout) return false;
    }
  };
  auto release = [&] {
    permits.fetch_add(1);
    unpark_one(&permits, [](unpark_result) -> std::uintptr_t { return 0; });
  };
  std::atomic<int> failures{0};
  deadline limit = deadline::after(60s);
  std::vector<test::scoped_thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        if (!acquire(limit)) failures.fetch_add(1);
      }
    });
    ts.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) release();
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(permits.load(), 0);
}

}  // namespace
}  // namespace conduit::runtime
