#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <conduit/ipc/process_mutex.hpp>
#include <conduit/ipc/shared_memory.hpp>
#include <string>
#include <thread>

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

struct counter_state {
  process_mutex mu;
  long counter = 0;
  std::atomic<int> ready{0};
};

constexpr int kIncrements = 2000;

// ThreadSanitizer reports an unlock by a thread that does not hold the mutex before the call
// returns EPERM: the misuse checks run in the other builds only.
#if defined(__SANITIZE_THREAD__)
constexpr bool kMisuseChecked = false;
result<void> unlock_misused(process_mutex&) { return fail_errno(EPERM); }
#else
constexpr bool kMisuseChecked = true;
result<void> unlock_misused(process_mutex& m) { return m.unlock(); }
#endif

// Child: increments the shared counter kIncrements times under the lock.
const bool reg_inc = test::register_child("pm_increment", [](std::string_view name) {
  auto mem = shared_memory::open(name);
  if (!mem) return 2;
  auto st = mem->get<counter_state>(0);
  if (!st) return 3;
  for (int i = 0; i < kIncrements; ++i) {
    if (!(*st)->mu.lock(deadline::after(20s))) return 4;
    ++(*st)->counter;
    if (!(*st)->mu.unlock()) return 5;
  }
  return 0;
});

// Child: takes the lock, half-updates the counter, and dies holding it.
const bool reg_die = test::register_child("pm_die_holding", [](std::string_view name) {
  auto mem = shared_memory::open(name);
  if (!mem) return 2;
  auto st = mem->get<counter_state>(0);
  if (!st || !(*st)->mu.lock(deadline::after(20s))) return 3;
  (*st)->counter = -1;  // inconsistent until repaired
  ::raise(SIGKILL);
  return 4;
});

TEST(ProcessMutexTest, LockTryLockUnlockAndMisuse) {
  auto mem = shared_memory::anonymous(4096);
  ASSERT_TRUE(mem);
  auto mu = mem->construct<process_mutex>(0);
  ASSERT_TRUE(mu);
  process_mutex& m = **mu;
  ASSERT_TRUE(m.lock());
  EXPECT_EQ(m.lock(deadline::after(1s)).error(), std::errc::resource_deadlock_would_occur);
  std::error_code other_try, other_unlock, other_timed;
  std::thread([&] {
    auto t = m.try_lock();
    other_try = t ? std::error_code() : t.error();
    auto u = unlock_misused(m);
    other_unlock = u ? std::error_code() : u.error();
    auto start = clock::now();
    auto l = m.lock(deadline::after(50ms));
    other_timed = l ? std::error_code() : l.error();
    EXPECT_GE(clock::now() - start, 50ms);
  }).join();
  EXPECT_EQ(other_try, errc::would_block);
  if (kMisuseChecked) {
    EXPECT_EQ(other_unlock, std::errc::operation_not_permitted);
  }
  EXPECT_EQ(other_timed, errc::timeout);
  ASSERT_TRUE(m.unlock());
  if (kMisuseChecked) {
    EXPECT_EQ(unlock_misused(m).error(), std::errc::operation_not_permitted);
  }
  ASSERT_TRUE(m.try_lock());
  ASSERT_TRUE(m.unlock());
  EXPECT_EQ(m.make_consistent().error(), std::errc::invalid_argument);
  m.~process_mutex();
}

TEST(ProcessMutexTest, ExcludesAcrossProcesses) {
  name_guard g{test_name()};
  auto mem = shared_memory::create(g.name, 4096);
  ASSERT_TRUE(mem);
  auto st = mem->construct<counter_state>(0);
  ASSERT_TRUE(st);
  auto a = test::child_process::spawn("pm_increment", g.name);
  auto b = test::child_process::spawn("pm_increment", g.name);
  ASSERT_TRUE(a.valid() && b.valid());
  for (int i = 0; i < kIncrements; ++i) {
    ASSERT_TRUE((*st)->mu.lock(deadline::after(20s)));
    ++(*st)->counter;
    ASSERT_TRUE((*st)->mu.unlock());
  }
  EXPECT_EQ(a.wait(deadline::after(60s)), 0);
  EXPECT_EQ(b.wait(deadline::after(60s)), 0);
  ASSERT_TRUE((*st)->mu.lock(deadline::after(1s)));
  EXPECT_EQ((*st)->counter, 3L * kIncrements);
  ASSERT_TRUE((*st)->mu.unlock());
}

TEST(ProcessMutexTest, AHolderThatDiesIsReportedAndTheStateRepaired) {
  name_guard g{test_name()};
  auto mem = shared_memory::create(g.name, 4096);
  ASSERT_TRUE(mem);
  auto st = mem->construct<counter_state>(0);
  ASSERT_TRUE(st);
  (*st)->counter = 10;
  auto c = test::child_process::spawn("pm_die_holding", g.name);
  ASSERT_TRUE(c.valid());
  EXPECT_EQ(c.wait(deadline::after(20s)), 128 + SIGKILL);
  auto r = (*st)->mu.lock(deadline::after(5s));
  ASSERT_FALSE(r);
  ASSERT_EQ(r.error(), errc::owner_dead);
  // We hold it: repair, mark consistent, go on.
  EXPECT_EQ((*st)->counter, -1);
  (*st)->counter = 10;
  ASSERT_TRUE((*st)->mu.make_consistent());
  ASSERT_TRUE((*st)->mu.unlock());
  ASSERT_TRUE((*st)->mu.lock(deadline::after(1s)));
  EXPECT_EQ((*st)->counter, 10);
  ASSERT_TRUE((*st)->mu.unlock());
}

TEST(ProcessMutexTest, UnlockingWithoutRepairMakesItUnrecoverable) {
  name_guard g{test_name()};
  auto mem = shared_memory::create(g.name, 4096);
  ASSERT_TRUE(mem);
  auto st = mem->construct<counter_state>(0);
  ASSERT_TRUE(st);
  auto c = test::child_process::spawn("pm_die_holding", g.name);
  ASSERT_TRUE(c.valid());
  EXPECT_EQ(c.wait(deadline::after(20s)), 128 + SIGKILL);
  ASSERT_EQ((*st)->mu.lock(deadline::after(5s)).error(), errc::owner_dead);
  ASSERT_TRUE((*st)->mu.unlock());
  EXPECT_EQ((*st)->mu.lock(deadline::after(1s)).error(), std::errc::state_not_recoverable);
  EXPECT_EQ((*st)->mu.try_lock().error(), std::errc::state_not_recoverable);
}

}  // namespace
}  // namespace conduit::ipc
