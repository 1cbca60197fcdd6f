// 1000 connections opened and closed in a loop leave the fd count where it was: dial,
// accept, a byte each way, close — over TCP and Unix sockets, plus failed dials.
#include <gtest/gtest.h>

#include <conduit/net/dial.hpp>
#include <conduit/net/listener.hpp>

#include "support/support.hpp"
#include "unit/net/net_helpers.hpp"

namespace conduit::net {
namespace {

using namespace std::chrono_literals;

void churn(std::string_view network, std::string_view address, int rounds) {
  auto ln = listen(network, address);
  ASSERT_TRUE(ln) << ln.error().what();
  const int before = conduit::test::open_fd_count();
  std::string where = ln->addr().to_string();
  for (int i = 0; i < rounds; ++i) {
    auto c = dial_timeout(network, where, 10s);
    ASSERT_TRUE(c) << i << ": " << c.error().what();
    ln->set_deadline(deadline::after(10s));
    auto a = ln->accept();
    ASSERT_TRUE(a) << i << ": " << a.error().message();
    a->set_deadline(deadline::after(10s));
    c->set_deadline(deadline::after(10s));
    ASSERT_FALSE(c->write("x").err);
    std::byte b[1];
    ASSERT_TRUE(a->read(b));
    ASSERT_FALSE(a->write("y").err);
    ASSERT_TRUE(c->read(b));
    ASSERT_TRUE(c->close());
    // The accepted side is closed by its destructor.
  }
  EXPECT_EQ(conduit::test::open_fd_count(), before);
}

TEST(NetFdLeakTest, ThousandTcpConnectionsLeakNothing) { churn("tcp", "127.0.0.1:0", 1000); }

TEST(NetFdLeakTest, ThousandUnixConnectionsLeakNothing) {
  churn("unix", test::temp_socket_path("churn"), 1000);
}

TEST(NetFdLeakTest, FailedDialsAndListensLeakNothing) {
  const int before = conduit::test::open_fd_count();
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  std::string where = ln->addr().to_string();
  ASSERT_TRUE(ln->close());
  for (int i = 0; i < 200; ++i) {
    EXPECT_FALSE(dial("tcp", where));                         // refused
    EXPECT_FALSE(dial("unix", "/nonexistent/conduit.sock"));  // ENOENT
    EXPECT_FALSE(dial_timeout("tcp", where, -1s));            // expired
    EXPECT_FALSE(listen("unix", "/nonexistent/dir/x.sock"));  // bind fails
  }
  EXPECT_EQ(conduit::test::open_fd_count(), before);
}

}  // namespace
}  // namespace conduit::net
