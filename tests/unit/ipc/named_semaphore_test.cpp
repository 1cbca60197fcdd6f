#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <conduit/ipc/ipc_error.hpp>
#include <conduit/ipc/named_semaphore.hpp>
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
  ~name_guard() { (void)named_semaphore::unlink(name); }
};

// Child: waits for a unit of "<name>a", then posts one to "<name>b".
const bool reg_relay = test::register_child("sem_relay", [](std::string_view name) {
  auto a = named_semaphore::open(std::string(name) + "a");
  auto b = named_semaphore::open(std::string(name) + "b");
  if (!a || !b) return 2;
  if (!a->wait(deadline::after(20s))) return 3;
  return b->post() ? 0 : 4;
});

TEST(NamedSemaphoreTest, CreatePostWaitValueAndMode0600) {
  name_guard g{test_name()};
  auto s = named_semaphore::create(g.name, 2);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_TRUE(s->created());
  EXPECT_EQ(s->name(), g.name);
  struct stat st {};
  ASSERT_EQ(::stat(("/dev/shm/sem." + g.name.substr(1)).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(s->value().value(), 2u);
  ASSERT_TRUE(s->wait(deadline::after(1s)));
  ASSERT_TRUE(s->try_wait());
  EXPECT_EQ(s->value().value(), 0u);
  EXPECT_EQ(s->try_wait().error(), errc::would_block);
  ASSERT_TRUE(s->post());
  EXPECT_EQ(s->value().value(), 1u);

  auto o = named_semaphore::open(g.name);
  ASSERT_TRUE(o);
  EXPECT_FALSE(o->created());
  EXPECT_EQ(o->value().value(), 1u);
  ASSERT_TRUE(o->wait(deadline::after(1s)));
  EXPECT_EQ(s->value().value(), 0u);
}

TEST(NamedSemaphoreTest, WaitHonoursItsDeadline) {
  name_guard g{test_name()};
  auto s = named_semaphore::create(g.name, 0);
  ASSERT_TRUE(s);
  auto start = clock::now();
  EXPECT_EQ(s->wait(deadline::after(50ms)).error(), errc::timeout);
  EXPECT_GE(clock::now() - start, 50ms);
  EXPECT_LT(clock::now() - start, 50ms + test::kSlack);
  EXPECT_EQ(s->wait(deadline::past()).error(), errc::timeout);
  // A long wait is still bounded (slices of 100 ms add up to the deadline).
  start = clock::now();
  EXPECT_EQ(s->wait(deadline::after(250ms)).error(), errc::timeout);
  EXPECT_GE(clock::now() - start, 250ms);
}

TEST(NamedSemaphoreTest, CreateIsExclusiveOpenOrCreateIsNot) {
  name_guard g{test_name()};
  auto a = named_semaphore::open_or_create(g.name, 3);
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->created());
  EXPECT_EQ(named_semaphore::create(g.name, 1).error(), std::errc::file_exists);
  auto b = named_semaphore::open_or_create(g.name, 9);
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->created());
  EXPECT_EQ(b->value().value(), 3u);
  EXPECT_EQ(named_semaphore::create(test_name(), named_semaphore::max_value + 1u).error(),
            std::errc::invalid_argument);
}

TEST(NamedSemaphoreTest, NamesAreCheckedAndUnlinked) {
  EXPECT_EQ(named_semaphore::create("sem", 0).error(), ipc_errc::name_not_absolute);
  EXPECT_EQ(named_semaphore::open("/a/b").error(), ipc_errc::name_has_slash);
  EXPECT_EQ(named_semaphore::open("/" + std::string(252, 's')).error(), ipc_errc::name_too_long);
  std::string name = test_name();
  EXPECT_EQ(named_semaphore::open(name).error(), std::errc::no_such_file_or_directory);
  auto s = named_semaphore::create(name, 0);
  ASSERT_TRUE(s);
  ASSERT_TRUE(named_semaphore::unlink(name));
  EXPECT_EQ(named_semaphore::open(name).error(), std::errc::no_such_file_or_directory);
  EXPECT_TRUE(s->post());  // still usable
  EXPECT_EQ(named_semaphore::unlink(name).error(), std::errc::no_such_file_or_directory);
}

TEST(NamedSemaphoreTest, RelaysBetweenProcesses) {
  name_guard ga{test_name()};
  std::string base = ga.name;
  ga.name = base + "a";
  name_guard gb{base + "b"};
  auto a = named_semaphore::create(ga.name, 0);
  auto b = named_semaphore::create(gb.name, 0);
  ASSERT_TRUE(a && b);
  auto c = test::child_process::spawn("sem_relay", base);
  ASSERT_TRUE(c.valid());
  ASSERT_TRUE(a->post());
  EXPECT_TRUE(b->wait(deadline::after(20s)));
  EXPECT_EQ(c.wait(deadline::after(20s)), 0);
}

TEST(NamedSemaphoreTest, CloseWakesAWaiterWithClosed) {
  name_guard g{test_name()};
  auto s = named_semaphore::create(g.name, 0);
  ASSERT_TRUE(s);
  std::error_code got;
  std::atomic<bool> started{false};
  test::scoped_thread t([&] {
    started = true;
    auto r = s->wait(deadline::after(20s));
    got = r ? std::error_code() : r.error();
  });
  while (!started) std::this_thread::yield();
  std::this_thread::sleep_for(20ms);  // let it sleep; the outcome is the same if it has not
  auto start = clock::now();
  ASSERT_TRUE(s->close());
  t.join();
  EXPECT_EQ(got, errc::closed);
  EXPECT_LT(clock::now() - start, 100ms + test::kSlack);
  EXPECT_FALSE(s->is_open());
  EXPECT_EQ(s->post().error(), errc::closed);
  EXPECT_EQ(s->value().error(), errc::closed);
  EXPECT_EQ(s->close().error(), errc::closed);
  named_semaphore empty;
  EXPECT_EQ(empty.wait().error(), errc::closed);
}

}  // namespace
}  // namespace conduit::ipc
