#include "runtime/timer_queue.hpp"

#include <dirent.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <conduit/runtime/parking_lot.hpp>
#include <mutex>
#include <vector>

#include "support/support.hpp"

namespace conduit::runtime {
namespace {

using namespace std::chrono_literals;

int thread_count() {
  DIR* d = ::opendir("/proc/self/task");
  int n = 0;
  while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n;
}

// Waits (through the runtime) until counter reaches n or the deadline passes.
bool wait_count(std::atomic<int>& counter, int n, deadline limit) {
  while (counter.load() < n) {
    auto r = park_on(
        &counter, [&] { return counter.load() < n; }, limit);
    if (r.status == park_status::timeout) return counter.load() >= n;
  }
  return true;
}
void bump(std::atomic<int>& counter) {
  counter.fetch_add(1);
  unpark_all(&counter);
}

TEST(TimerQueueTest, FiresInDeadlineOrder) {
  auto& q = timer_queue::global();
  std::atomic<int> fired{0};
  std::vector<int> order;
  std::mutex mu;  // only guards the record, not a wait
  auto base = clock::now();
  for (int i : {3, 1, 2}) {
    q.add(base + i * 20ms, [&, i] {
      {
        std::lock_guard<std::mutex> g(mu);
        order.push_back(i);
      }
      bump(fired);
    });
  }
  ASSERT_TRUE(wait_count(fired, 3, deadline::after(10s)));
  std::lock_guard<std::mutex> g(mu);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(TimerQueueTest, FiresNotBeforeItsTime) {
  auto& q = timer_queue::global();
  std::atomic<int> fired{0};
  std::atomic<std::int64_t> at{0};
  auto start = clock::now();
  q.add(deadline::after(50ms), [&] {
    at.store((clock::now() - start).count());
    bump(fired);
  });
  ASSERT_TRUE(wait_count(fired, 1, deadline::after(10s)));
  EXPECT_GE(clock::duration(at.load()), 50ms);
  EXPECT_LT(clock::duration(at.load()), 50ms + test::kSlack);
}

TEST(TimerQueueTest, CancelPreventsFiring) {
  auto& q = timer_queue::global();
  std::atomic<int> fired{0};
  auto id = q.add(deadline::after(30ms), [&] { bump(fired); });
  EXPECT_TRUE(q.cancel(id));
  EXPECT_FALSE(q.cancel(id));
  std::atomic<int> probe{0};
  q.add(deadline::after(60ms), [&] { bump(probe); });
  ASSERT_TRUE(wait_count(probe, 1, deadline::after(10s)));
  EXPECT_EQ(fired.load(), 0);
}

TEST(TimerQueueTest, AnEarlierTimerWakesTheSleepingThread) {
  auto& q = timer_queue::global();
  std::atomic<int> fired{0};
  auto far = q.add(deadline::after(1h), [] {});
  // Let the timer thread go to sleep until the far timer.
  std::atomic<int> settle{0};
  q.add(deadline::after(1ms), [&] { bump(settle); });
  ASSERT_TRUE(wait_count(settle, 1, deadline::after(10s)));
  auto start = clock::now();
  q.add(deadline::after(20ms), [&] { bump(fired); });
  ASSERT_TRUE(wait_count(fired, 1, deadline::after(10s)));
  EXPECT_LT(clock::now() - start, 20ms + test::kSlack);
  EXPECT_TRUE(q.cancel(far));
}

TEST(TimerQueueTest, TenThousandTimersShareOneThread) {
  auto& q = timer_queue::global();
  q.cancel(q.add(deadline::after(1h), [] {}));  // make sure the thread exists
  int threads_before = thread_count();
  std::atomic<int> fired{0};
  constexpr int kN = 10000;
  for (int i = 0; i < kN; ++i) {
    q.add(deadline::after(std::chrono::microseconds(i * 5)), [&] { bump(fired); });
  }
  EXPECT_LE(thread_count(), threads_before);
  ASSERT_TRUE(wait_count(fired, kN, deadline::after(30s)));
  EXPECT_EQ(fired.load(), kN);
}

}  // namespace
}  // namespace conduit::runtime
