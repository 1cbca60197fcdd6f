#include <gtest/gtest.h>

#include <atomic>
#include <conduit/ipc/process_cond.hpp>
#include <conduit/ipc/process_mutex.hpp>
#include <conduit/ipc/shared_memory.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/child.hpp"
#include "support/support.hpp"

namespace conduit::ipc {
namespace {

using namespace std::chrono_literals;

std::string test_name() { return "/" + test::unique_name("conduit_test"); }

struct name_guard {
  std::string name;
  ~name_guard() { (void)shared_memory::unlink(name); }
};

struct pingpong {
  process_mutex mu;
  process_cond changed;
  int turn = 0;  // guarded by mu
};

constexpr int kRounds = 200;

// Child: plays the odd turns of a ping-pong through the condition variable.
const bool reg_pong = test::register_child("pc_pong", [](std::string_view name) {
  auto mem = shared_memory::open(name);
  if (!mem) return 2;
  auto st = mem->get<pingpong>(0);
  if (!st) return 3;
  pingpong& p = **st;
  if (!p.mu.lock(deadline::after(20s))) return 4;
  for (int i = 0; i < kRounds; ++i) {
    while (p.turn % 2 == 0) {
      auto r = p.changed.wait(p.mu, deadline::after(20s));
      if (!r) return 5;
    }
    ++p.turn;
    p.changed.broadcast();
  }
  (void)p.mu.unlock();
  return 0;
});

TEST(ProcessCondTest, PingPongWithAnotherProcess) {
  name_guard g{test_name()};
  auto mem = shared_memory::create(g.name, 4096);
  ASSERT_TRUE(mem);
  auto st = mem->construct<pingpong>(0);
  ASSERT_TRUE(st);
  pingpong& p = **st;
  auto c = test::child_process::spawn("pc_pong", g.name);
  ASSERT_TRUE(c.valid());
  ASSERT_TRUE(p.mu.lock(deadline::after(20s)));
  for (int i = 0; i < kRounds; ++i) {
    while (p.turn % 2 == 1) ASSERT_TRUE(p.changed.wait(p.mu, deadline::after(20s)));
    ++p.turn;
    p.changed.broadcast();
  }
  while (p.turn < 2 * kRounds) ASSERT_TRUE(p.changed.wait(p.mu, deadline::after(20s)));
  ASSERT_TRUE(p.mu.unlock());
  EXPECT_EQ(c.wait(deadline::after(20s)), 0);
}

TEST(ProcessCondTest, WaitTimesOutWithTheMutexHeld) {
  auto mem = shared_memory::anonymous(4096);
  auto st = mem->construct<pingpong>(0);
  ASSERT_TRUE(st);
  pingpong& p = **st;
  ASSERT_TRUE(p.mu.lock());
  auto start = clock::now();
  EXPECT_EQ(p.changed.wait(p.mu, deadline::after(50ms)).error(), errc::timeout);
  EXPECT_GE(clock::now() - start, 50ms);
  EXPECT_LT(clock::now() - start, 50ms + test::kSlack);
  EXPECT_EQ(p.mu.try_lock().error(), std::errc::resource_deadlock_would_occur);  // held
  ASSERT_TRUE(p.mu.unlock());
#if !defined(__SANITIZE_THREAD__)  // TSan reports the misuse itself before EPERM comes back
  EXPECT_EQ(p.changed.wait(p.mu, deadline::after(1s)).error(), std::errc::operation_not_permitted);
#endif
}

TEST(ProcessCondTest, BroadcastWakesEveryWaiterAndSignalOne) {
  auto mem = shared_memory::anonymous(4096);
  auto st = mem->construct<pingpong>(0);
  ASSERT_TRUE(st);
  pingpong& p = **st;
  constexpr int kWaiters = 3;
  std::atomic<int> woke{0};
  std::vector<test::scoped_thread> ts;
  for (int i = 0; i < kWaiters; ++i) {
    ts.emplace_back([&] {
      ASSERT_TRUE(p.mu.lock(deadline::after(20s)));
      while (p.turn == 0) ASSERT_TRUE(p.changed.wait(p.mu, deadline::after(20s)));
      ++woke;
      ASSERT_TRUE(p.mu.unlock());
    });
  }
  ASSERT_TRUE(p.mu.lock(deadline::after(20s)));
  p.turn = 1;
  p.changed.broadcast();
  ASSERT_TRUE(p.mu.unlock());
  for (auto& t : ts) t.join();
  EXPECT_EQ(woke.load(), kWaiters);
  p.changed.signal();  // no waiter: nothing happens
}

}  // namespace
}  // namespace conduit::ipc
