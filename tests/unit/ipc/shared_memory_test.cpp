#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <conduit/ipc/ipc_error.hpp>
#include <conduit/ipc/shared_memory.hpp>
#include <cstring>
#include <string>

#include "support/child.hpp"
#include "support/support.hpp"

namespace conduit::ipc {
namespace {

using namespace std::chrono_literals;

std::string test_name() { return "/" + test::unique_name("conduit_test"); }

// Removes a name at the end of a test, whatever happened.
struct name_guard {
  std::string name;
  ~name_guard() { (void)shared_memory::unlink(name); }
};

// Child: opens the object named arg, checks the parent's bytes, writes its own.
const bool child_writer = test::register_child("shm_child_writer", [](std::string_view arg) {
  auto m = shared_memory::open(arg);
  if (!m || m->size() != 4096) return 2;
  auto flag = m->get<std::atomic<std::uint32_t>>(0);
  if (!flag) return 3;
  if (std::memcmp(m->data().data() + 64, "from parent", 11) != 0) return 4;
  std::memcpy(m->data().data() + 128, "from child", 10);
  (*flag)->store(1, std::memory_order_release);
  return 0;
});

TEST(SharedMemoryTest, CreateIsExclusiveZeroFilledAndMode0600) {
  name_guard g{test_name()};
  auto m = shared_memory::create(g.name, 8192);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->size(), 8192u);
  EXPECT_TRUE(m->created());
  EXPECT_TRUE(m->writable());
  EXPECT_EQ(m->name(), g.name);
  for (std::byte b : m->data()) ASSERT_EQ(b, std::byte{0});
  struct stat st {};
  ASSERT_EQ(::fstat(m->fd(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(::fcntl(m->fd(), F_GETFD) & FD_CLOEXEC, 0);

  auto again = shared_memory::create(g.name, 8192);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), std::errc::file_exists);
}

TEST(SharedMemoryTest, OpenSeesTheCreatorsBytes) {
  name_guard g{test_name()};
  auto a = shared_memory::create(g.name, 4096);
  ASSERT_TRUE(a);
  std::memcpy(a->data().data(), "hello", 5);
  auto b = shared_memory::open(g.name);
  ASSERT_TRUE(b) << b.error().message();
  EXPECT_FALSE(b->created());
  ASSERT_EQ(b->size(), 4096u);
  EXPECT_EQ(std::memcmp(b->data().data(), "hello", 5), 0);
  std::memcpy(b->data().data() + 100, "back", 4);
  EXPECT_EQ(std::memcmp(a->data().data() + 100, "back", 4), 0);

  auto ro = shared_memory::open(g.name, shared_memory::access::read_only);
  ASSERT_TRUE(ro);
  EXPECT_FALSE(ro->writable());
  EXPECT_EQ(std::memcmp(ro->data().data(), "hello", 5), 0);
  auto c = ro->construct<int>(0, 1);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), std::errc::permission_denied);
}

TEST(SharedMemoryTest, OpenOrCreateCreatesOnceThenOpens) {
  name_guard g{test_name()};
  auto a = shared_memory::open_or_create(g.name, 4096);
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->created());
  auto b = shared_memory::open_or_create(g.name, 100);
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->created());
  EXPECT_EQ(b->size(), 4096u);  // the existing size, not the one asked for
}

TEST(SharedMemoryTest, OpenOfAMissingNameIsENOENT) {
  auto m = shared_memory::open(test_name());
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error(), std::errc::no_such_file_or_directory);
}

TEST(SharedMemoryTest, BadNamesAreRefusedWithTheRuleTheyBreak) {
  EXPECT_EQ(shared_memory::create("", 1).error(), ipc_errc::name_empty);
  EXPECT_EQ(shared_memory::create("/", 1).error(), ipc_errc::name_empty);
  EXPECT_EQ(shared_memory::create("noslash", 1).error(), ipc_errc::name_not_absolute);
  EXPECT_EQ(shared_memory::open("/a/b").error(), ipc_errc::name_has_slash);
  EXPECT_EQ(shared_memory::open("/..").error(), ipc_errc::name_invalid);
  EXPECT_EQ(shared_memory::unlink("/" + std::string(300, 'x')).error(), ipc_errc::name_too_long);
  EXPECT_EQ(shared_memory::create("noslash", 1).error(), std::errc::invalid_argument);
}

TEST(SharedMemoryTest, UnlinkRemovesTheNameButNotTheMapping) {
  std::string name = test_name();
  auto a = shared_memory::create(name, 4096);
  ASSERT_TRUE(a);
  ASSERT_TRUE(shared_memory::unlink(name));
  EXPECT_EQ(shared_memory::open(name).error(), std::errc::no_such_file_or_directory);
  a->data()[0] = std::byte{7};  // still mapped
  EXPECT_EQ(a->data()[0], std::byte{7});
  EXPECT_EQ(shared_memory::unlink(name).error(), std::errc::no_such_file_or_directory);
}

TEST(SharedMemoryTest, ResizeGrowsAndAnotherViewRemaps) {
  name_guard g{test_name()};
  auto a = shared_memory::create(g.name, 4096);
  ASSERT_TRUE(a);
  auto b = shared_memory::open(g.name);
  ASSERT_TRUE(b);
  ASSERT_TRUE(a->resize(3 * 4096));
  EXPECT_EQ(a->size(), 3u * 4096);
  a->data()[2 * 4096 + 5] = std::byte{9};
  EXPECT_EQ(b->size(), 4096u);
  ASSERT_TRUE(b->remap());
  ASSERT_EQ(b->size(), 3u * 4096);
  EXPECT_EQ(b->data()[2 * 4096 + 5], std::byte{9});
  ASSERT_TRUE(a->resize(0));
  EXPECT_TRUE(a->data().empty());
  ASSERT_TRUE(a->resize(100));
  EXPECT_EQ(a->size(), 100u);
}

TEST(SharedMemoryTest, AnonymousIsSealableAndPassableAsAnFd) {
  auto a = shared_memory::anonymous(4096, "conduit-test");
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_TRUE(a->name().empty());
  ASSERT_TRUE(a->add_seals(F_SEAL_SHRINK | F_SEAL_GROW));
  auto s = a->seals();
  ASSERT_TRUE(s);
  EXPECT_EQ(*s & (F_SEAL_SHRINK | F_SEAL_GROW), F_SEAL_SHRINK | F_SEAL_GROW);
  EXPECT_EQ(a->resize(8192).error(), std::errc::operation_not_permitted);
  std::memcpy(a->data().data(), "sealed", 6);

  // Pass the fd over a Unix socket, as to another process.
  int sp[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
  {
    char byte = 'x';
    iovec iov{&byte, 1};
    alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(int))] = {};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl;
    mh.msg_controllen = sizeof ctl;
    cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    int fd = a->fd();
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    ASSERT_EQ(::sendmsg(sp[0], &mh, MSG_DONTWAIT), 1);
  }
  int got = -1;
  {
    char byte;
    iovec iov{&byte, 1};
    alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(int))] = {};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl;
    mh.msg_controllen = sizeof ctl;
    ASSERT_EQ(::recvmsg(sp[1], &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC), 1);
    cmsghdr* c = CMSG_FIRSTHDR(&mh);
    ASSERT_NE(c, nullptr);
    std::memcpy(&got, CMSG_DATA(c), sizeof got);
  }
  ::close(sp[0]);
  ::close(sp[1]);
  auto b = shared_memory::from_fd(unique_fd(got));
  ASSERT_TRUE(b);
  ASSERT_EQ(b->size(), 4096u);
  EXPECT_EQ(std::memcmp(b->data().data(), "sealed", 6), 0);
  auto bs = b->seals();
  ASSERT_TRUE(bs);
  EXPECT_NE(*bs & F_SEAL_SHRINK, 0);

  auto d = a->dup_fd();
  ASSERT_TRUE(d);
  EXPECT_NE(::fcntl(d->get(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST(SharedMemoryTest, ConstructAndGetCheckBoundsAndAlignment) {
  auto m = shared_memory::anonymous(256);
  ASSERT_TRUE(m);
  auto p = m->construct<std::atomic<std::uint64_t>>(64, 42u);
  ASSERT_TRUE(p);
  auto q = m->get<std::atomic<std::uint64_t>>(64);
  ASSERT_TRUE(q);
  EXPECT_EQ(*q, *p);
  EXPECT_EQ((*q)->load(), 42u);
  EXPECT_EQ(m->get<std::uint64_t>(250).error(), std::errc::result_out_of_range);
  EXPECT_EQ(m->get<std::uint64_t>(1u << 30).error(), std::errc::result_out_of_range);
  EXPECT_EQ(m->get<std::uint64_t>(SIZE_MAX).error(), std::errc::result_out_of_range);
  EXPECT_EQ(m->get<std::uint64_t>(3).error(), std::errc::invalid_argument);
  shared_memory empty;
  EXPECT_FALSE(empty.valid());
  EXPECT_EQ(empty.dup_fd().error(), errc::closed);
  EXPECT_EQ(empty.get<int>(0).error(), std::errc::result_out_of_range);
}

TEST(SharedMemoryTest, AnotherProcessSeesAndWritesTheSameBytes) {
  name_guard g{test_name()};
  auto m = shared_memory::create(g.name, 4096);
  ASSERT_TRUE(m);
  auto flag = m->construct<std::atomic<std::uint32_t>>(0, 0u);
  ASSERT_TRUE(flag);
  std::memcpy(m->data().data() + 64, "from parent", 11);
  auto c = test::child_process::spawn("shm_child_writer", g.name);
  ASSERT_TRUE(c.valid());
  EXPECT_EQ(c.wait(deadline::after(30s)), 0);
  EXPECT_EQ((*flag)->load(std::memory_order_acquire), 1u);
  EXPECT_EQ(std::memcmp(m->data().data() + 128, "from child", 10), 0);
}

TEST(SharedMemoryTest, MoveTransfersTheMapping) {
  auto a = shared_memory::anonymous(4096);
  ASSERT_TRUE(a);
  std::byte* p = a->data().data();
  shared_memory b = std::move(*a);
  EXPECT_EQ(b.data().data(), p);
  EXPECT_FALSE(a->valid());  // NOLINT(bugprone-use-after-move): moved-from is empty
  shared_memory c;
  c = std::move(b);
  EXPECT_EQ(c.data().data(), p);
  EXPECT_EQ(c.size(), 4096u);
}

}  // namespace
}  // namespace conduit::ipc
