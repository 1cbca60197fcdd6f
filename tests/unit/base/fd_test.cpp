#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <conduit/fd.hpp>

#include "support/support.hpp"

namespace conduit {
namespace {

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

TEST(UniqueFdTest, ClosesOnDestruction) {
  int raw;
  {
    unique_fd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(fd);
    raw = fd.get();
    EXPECT_TRUE(is_open(raw));
  }
  EXPECT_FALSE(is_open(raw));
}

TEST(UniqueFdTest, MoveTransfersOwnership) {
  unique_fd a(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  int raw = a.get();
  unique_fd b(std::move(a));
  EXPECT_FALSE(a.valid());  // NOLINT: moved-from is empty by contract
  EXPECT_EQ(b.get(), raw);
  unique_fd c;
  c = std::move(b);
  EXPECT_EQ(c.get(), raw);
  EXPECT_TRUE(is_open(raw));
}

TEST(UniqueFdTest, ReleaseKeepsTheFdOpen) {
  unique_fd a(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  int raw = a.release();
  EXPECT_FALSE(a);
  EXPECT_TRUE(is_open(raw));
  ::close(raw);
}

TEST(UniqueFdTest, ResetClosesTheOldFd) {
  unique_fd a(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  int old = a.get();
  int fresh = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  a.reset(fresh);
  EXPECT_FALSE(is_open(old));
  EXPECT_EQ(a.get(), fresh);
}

}  // namespace
}  // namespace conduit
