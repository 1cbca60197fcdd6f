// A process_mutex holder SIGKILLed at random points, again and again: the next locker never
// hangs, is told errc::owner_dead whenever the holder died inside the critical section, and
// can repair the state; the invariant holds after every repair.
#include <gtest/gtest.h>
#include <signal.h>

#include <conduit/ipc/process_mutex.hpp>
#include <conduit/ipc/shared_memory.hpp>
#include <random>
#include <string>
#include <thread>

#include "support/child.hpp"
#include "support/support.hpp"

namespace conduit::ipc {
namespace {

using namespace std::chrono_literals;

// Invariant (under mu): a == b. A holder that dies between the two increments breaks it.
struct pair_state {
  process_mutex mu;
  long a = 0;
  long b = 0;
};

const bool reg_worker = test::register_child("pm_kill_worker", [](std::string_view name) {
  auto mem = shared_memory::open(name);
  if (!mem) return 2;
  auto st = mem->get<pair_state>(0);
  if (!st) return 3;
  pair_state& p = **st;
  for (;;) {
    auto r = p.mu.lock(deadline::after(20s));
    if (!r) {
      if (r.error() != errc::owner_dead) return 4;
      p.b = p.a;
      (void)p.mu.make_consistent();
    }
    ++p.a;
    for (int k = 0; k < 200; ++k) asm volatile("" ::: "memory");
    ++p.b;
    (void)p.mu.unlock();
  }
});

TEST(IpcMutexOwnerDeadTest, HoldersKilledAtRandomPointsAreAlwaysRecovered) {
  std::mt19937 rng(99);
  int owner_dead = 0;
  for (int iter = 0; iter < 10; ++iter) {
    SCOPED_TRACE("iteration " + std::to_string(iter));
    const std::string name = "/" + test::unique_name("conduit_test");
    auto shm = shared_memory::create(name, 4096);
    ASSERT_TRUE(shm);
    auto ps = shm->construct<pair_state>(0);
    ASSERT_TRUE(ps);
    pair_state& p = **ps;
    auto child = test::child_process::spawn("pm_kill_worker", name);
    ASSERT_TRUE(child.valid());
    // Let the worker run a random number of critical sections, then kill it wherever it is.
    const long kill_after = 1 + static_cast<long>(rng() % 5000);
    for (;;) {
      auto r = p.mu.lock(deadline::after(20s));
      ASSERT_TRUE(r) << r.error().message();
      long a = p.a;
      ASSERT_TRUE(p.mu.unlock());
      if (a >= kill_after) break;
      std::this_thread::yield();
    }
    child.kill(SIGKILL);
    EXPECT_EQ(child.wait(deadline::after(20s)), 128 + SIGKILL);
    (void)shared_memory::unlink(name);
    auto r = p.mu.lock(deadline::after(5s));
    if (!r) {
      ASSERT_EQ(r.error(), errc::owner_dead) << r.error().message();
      ++owner_dead;
      EXPECT_LE(p.a - p.b, 1);
      p.b = p.a;
      ASSERT_TRUE(p.mu.make_consistent());
    }
    EXPECT_EQ(p.a, p.b);
    ASSERT_TRUE(p.mu.unlock());
    // Usable again.
    ASSERT_TRUE(p.mu.lock(deadline::after(1s)));
    ASSERT_TRUE(p.mu.unlock());
  }
  RecordProperty("owner_dead_seen", owner_dead);
}

}  // namespace
}  // namespace conduit::ipc
