// net::udp_conn: a dialed (connected) UDP socket.
#include <gtest/gtest.h>

#include <conduit/net/udp_conn.hpp>

#include "unit/net/net_helpers.hpp"

namespace conduit::net {
namespace {

using namespace std::chrono_literals;
using test::bytes;
using test::str;

TEST(UdpConnTest, DialedUdpTalksToAPacketConn) {
  auto server = listen_packet("udp", "127.0.0.1:0");
  ASSERT_TRUE(server) << server.error().what();
  server->set_deadline(deadline::after(10s));
  auto c = dial("udp", server->local_addr().to_string());
  ASSERT_TRUE(c) << c.error().what();
  auto u = udp_conn::try_from(*c);
  ASSERT_TRUE(u);
  u->set_deadline(deadline::after(10s));
  EXPECT_EQ(u->network(), "udp");
  EXPECT_EQ(u->remote_addr(), server->local_addr());
  ASSERT_FALSE(u->write("ping").err);
  std::byte buf[64];
  auto got = server->read_from(buf);
  ASSERT_TRUE(got) << got.err.message();
  EXPECT_EQ(str({buf, got.n}), "ping");
  EXPECT_EQ(got.from, u->local_addr());
  ASSERT_FALSE(server->write_to(bytes("pong"), got.from).err);
  auto back = u->read_from(buf);
  ASSERT_TRUE(back) << back.err.message();
  EXPECT_EQ(str({buf, back.n}), "pong");
  EXPECT_EQ(back.from, server->local_addr());
}

TEST(UdpConnTest, ALongDatagramIsReportedAsTruncated) {
  auto server = listen_packet("udp", "127.0.0.1:0");
  ASSERT_TRUE(server);
  auto c = dial("udp", server->local_addr().to_string());
  ASSERT_TRUE(c);
  auto u = udp_conn::try_from(*c);
  u->set_deadline(deadline::after(10s));
  ASSERT_FALSE(server->write_to(bytes("0123456789"), u->local_addr()).err);
  std::byte small[4];
  auto r = u->read(small);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::message_too_large);
}

TEST(UdpConnTest, WriteToAClosedPortReportsConnectionRefused) {
  auto server = listen_packet("udp", "127.0.0.1:0");
  ASSERT_TRUE(server);
  std::string where = server->local_addr().to_string();
  ASSERT_TRUE(server->close());
  auto c = dial("udp", where);
  ASSERT_TRUE(c);
  auto u = udp_conn::try_from(*c);
  u->set_deadline(deadline::after(10s));
  ASSERT_FALSE(u->write("x").err);
  std::byte buf[4];
  auto r = u->read(buf);  // the ICMP port-unreachable comes back as ECONNREFUSED
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), std::errc::connection_refused);
}

TEST(UdpConnTest, TryFromTakesOnlyUdp) {
  auto p = test::tcp4_pair();
  ASSERT_TRUE(p);
  EXPECT_FALSE(udp_conn::try_from(p->dialed));
  EXPECT_TRUE(p->dialed.valid());
}

TEST(UdpConnTest, EmptyDatagramsAreSentAndReceived) {
  auto server = listen_packet("udp", "127.0.0.1:0");
  ASSERT_TRUE(server);
  server->set_deadline(deadline::after(10s));
  auto c = dial("udp", server->local_addr().to_string());
  ASSERT_TRUE(c);
  auto w = c->write(std::span<const std::byte>{});
  EXPECT_FALSE(w.err);
  std::byte buf[4];
  auto got = server->read_from(buf);
  ASSERT_TRUE(got) << got.err.message();
  EXPECT_EQ(got.n, 0u);
}

}  // namespace
}  // namespace conduit::net
