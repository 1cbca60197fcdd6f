// A connect that gets no answer is bounded by its deadline: the target is a listener on
// 127.0.0.1 whose accept queue is full (its SYNs are dropped), so nothing leaves the
// machine. A Unix listener with a full backlog fails at once with EAGAIN (as Go).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <conduit/net/dial.hpp>
#include <conduit/net/listener.hpp>
#include <cstring>
#include <vector>

#include "support/support.hpp"
#include "unit/net/net_helpers.hpp"

namespace conduit::net {
namespace {

using namespace std::chrono_literals;
using conduit::test::kSlack;

TEST(NetBlackholeTest, DialTimeoutBoundsAConnectThatGetsNoAnswer) {
  test::blackhole bh;
  auto start = clock::now();
  auto c = dial_timeout("tcp", bh.address(), 200ms);
  auto took = clock::now() - start;
  ASSERT_FALSE(c) << "connected to a full backlog?";
  EXPECT_TRUE(c.error().timeout()) << c.error().what();
  EXPECT_EQ(c.error().what(), "dial tcp " + bh.address() + ": i/o timeout");
  EXPECT_GE(took, 190ms);
  EXPECT_LT(took, 200ms + kSlack);
}

TEST(NetBlackholeTest, DialerDeadlineBoundsItToo) {
  test::blackhole bh;
  dialer d{.deadline = deadline::after(150ms)};
  auto start = clock::now();
  auto c = d.dial("tcp4", bh.address());
  ASSERT_FALSE(c);
  EXPECT_TRUE(c.error().timeout());
  EXPECT_LT(clock::now() - start, 150ms + kSlack);
}

TEST(NetBlackholeTest, ManyHangingDialsAllReturnAndLeakNothing) {
  test::blackhole bh;
  std::vector<conduit::test::scoped_thread> ts;
  std::atomic<int> timeouts{0};
  for (int i = 0; i < 8; ++i) {
    ts.emplace_back([&] {
      auto c = dial_timeout("tcp", bh.address(), 100ms);
      if (!c && c.error().timeout()) timeouts++;
    });
  }
  ts.clear();
  EXPECT_EQ(timeouts.load(), 8);
}

TEST(NetBlackholeTest, UnixListenerWithAFullBacklogFailsFast) {
  std::string path = test::temp_socket_path("full");
  listen_config cfg{.backlog = 1};
  auto ln = cfg.listen("unix", path);
  ASSERT_TRUE(ln);
  std::vector<conn> fillers;
  std::error_code last;
  auto start = clock::now();
  for (int i = 0; i < 64; ++i) {
    auto c = dial_timeout("unix", path, 1s);
    if (!c) {
      last = c.error().code();
      break;
    }
    fillers.push_back(std::move(*c));
  }
  EXPECT_LT(clock::now() - start, 1s);
  EXPECT_EQ(last, std::errc::resource_unavailable_try_again);
}

}  // namespace
}  // namespace conduit::net
