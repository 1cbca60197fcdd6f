// net::tcp_conn: half-close, Nagle, keep-alive, linger.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <atomic>
#include <conduit/net/tcp_conn.hpp>
#include <thread>

#include "support/support.hpp"
#include "unit/net/net_helpers.hpp"

namespace conduit::net {
namespace {

using namespace std::chrono_literals;
using test::str;

struct tcp_pair {
  tcp_conn a, b;
};

std::optional<tcp_pair> make_tcp_pair() {
  auto p = test::tcp4_pair();
  if (!p) return std::nullopt;
  auto a = tcp_conn::try_from(p->dialed);
  auto b = tcp_conn::try_from(p->accepted);
  if (!a || !b) return std::nullopt;
  a->set_deadline(deadline::after(20s));
  b->set_deadline(deadline::after(20s));
  return tcp_pair{std::move(*a), std::move(*b)};
}

TEST(TcpConnTest, TryFromTakesOnlyTcp) {
  auto p = test::unix_pair();
  ASSERT_TRUE(p);
  auto t = tcp_conn::try_from(p->dialed);
  EXPECT_FALSE(t);
  EXPECT_TRUE(p->dialed.valid()) << "a failed try_from leaves the conn as it was";
  auto q = test::tcp4_pair();
  ASSERT_TRUE(q);
  auto u = tcp_conn::try_from(q->dialed);
  ASSERT_TRUE(u);
  EXPECT_FALSE(q->dialed.valid());
  EXPECT_EQ(u->network(), "tcp");
}

TEST(TcpConnTest, CloseWriteSendsEofButKeepsReading) {
  auto p = make_tcp_pair();
  ASSERT_TRUE(p);
  ASSERT_FALSE(p->a.write("request").err);
  ASSERT_TRUE(p->a.close_write());
  std::byte buf[32];
  auto r = p->b.read(buf);
  ASSERT_TRUE(r);
  EXPECT_EQ(str({buf, *r}), "request");
  EXPECT_EQ(p->b.read(buf).error(), errc::eof);
  ASSERT_FALSE(p->b.write("response").err);
  auto back = p->a.read(buf);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(str({buf, *back}), "response");
  auto w = p->a.write("more");
  EXPECT_EQ(w.err, std::errc::broken_pipe);
}

TEST(TcpConnTest, CloseReadEndsAPendingRead) {
  auto p = make_tcp_pair();
  ASSERT_TRUE(p);
  std::atomic<bool> started{false};
  result<std::size_t> r = std::size_t{0};
  conduit::test::scoped_thread reader([&] {
    std::byte buf[8];
    started = true;
    r = p->a.read(buf);
  });
  while (!started) std::this_thread::yield();
  std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(p->a.close_read());
  reader.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::eof);
}

TEST(TcpConnTest, OptionSettersSucceedOnAnOpenConnAndFailClosedAfter) {
  auto p = make_tcp_pair();
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->a.set_no_delay(false));
  EXPECT_TRUE(p->a.set_no_delay(true));
  EXPECT_TRUE(p->a.set_keep_alive(true));
  EXPECT_TRUE(p->a.set_keep_alive_period(1500ms));
  EXPECT_TRUE(p->a.set_linger(-1));
  EXPECT_TRUE(p->a.set_linger(0));
  ASSERT_TRUE(p->a.close());
  EXPECT_EQ(p->a.set_no_delay(true).error(), errc::closed);
  EXPECT_EQ(p->a.close_write().error(), errc::closed);
}

TEST(TcpConnTest, LingerZeroResetsThePeer) {
  auto p = make_tcp_pair();
  ASSERT_TRUE(p);
  ASSERT_TRUE(p->a.set_linger(0));
  ASSERT_TRUE(p->a.close());
  std::byte buf[8];
  auto r = p->b.read(buf);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), std::errc::connection_reset);
}

}  // namespace
}  // namespace conduit::net
