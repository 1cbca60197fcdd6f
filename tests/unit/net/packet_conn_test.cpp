// listen_packet and packet_conn: UDP and unixgram, truncation, deadlines, close.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <conduit/net/packet_conn.hpp>
#include <thread>

#include "support/support.hpp"
#include "unit/net/net_helpers.hpp"

namespace conduit::net {
namespace {

using namespace std::chrono_literals;
using conduit::test::kSlack;
using conduit::test::scoped_thread;
using test::bytes;
using test::str;

TEST(PacketConnTest, UdpRoundTripBetweenTwoPacketConns) {
  auto a = listen_packet("udp", "127.0.0.1:0");
  auto b = listen_packet("udp4", "127.0.0.1:0");
  ASSERT_TRUE(a && b);
  a->set_deadline(deadline::after(10s));
  b->set_deadline(deadline::after(10s));
  EXPECT_EQ(a->network(), "udp");
  auto w = a->write_to(bytes("hello"), b->local_addr());
  EXPECT_EQ(w.n, 5u);
  EXPECT_FALSE(w.err);
  std::byte buf[64];
  auto r = b->read_from(buf);
  ASSERT_TRUE(r) << r.err.message();
  EXPECT_EQ(str({buf, r.n}), "hello");
  EXPECT_EQ(r.from, a->local_addr());
}

TEST(PacketConnTest, TruncatedDatagramIsReportedNeverSilent) {
  auto a = listen_packet("udp", "127.0.0.1:0");
  auto b = listen_packet("udp", "127.0.0.1:0");
  ASSERT_TRUE(a && b);
  b->set_read_deadline(deadline::after(10s));
  ASSERT_FALSE(a->write_to(bytes("0123456789"), b->local_addr()).err);
  std::byte small[4];
  auto r = b->read_from(small);
  EXPECT_EQ(r.err, errc::message_too_large);
  EXPECT_EQ(r.n, 4u);
  EXPECT_EQ(str({small, 4}), "0123");
  EXPECT_EQ(r.from, a->local_addr());
  // The next datagram is whole again.
  ASSERT_FALSE(a->write_to(bytes("ok"), b->local_addr()).err);
  auto next = b->read_from(small);
  ASSERT_TRUE(next);
  EXPECT_EQ(str({small, next.n}), "ok");
}

TEST(PacketConnTest, ReadFromDeadlineAndPastDeadline) {
  auto a = listen_packet("udp", "127.0.0.1:0");
  ASSERT_TRUE(a);
  a->set_read_deadline(deadline::after(50ms));
  std::byte buf[8];
  auto start = clock::now();
  auto r = a->read_from(buf);
  auto took = clock::now() - start;
  EXPECT_EQ(r.err, errc::timeout);
  EXPECT_EQ(r.n, 0u);
  EXPECT_GE(took, 50ms);
  EXPECT_LT(took, 50ms + kSlack);
  a->set_write_deadline(deadline::past());
  auto w = a->write_to(bytes("x"), a->local_addr());
  EXPECT_EQ(w.err, errc::timeout);
  EXPECT_EQ(w.n, 0u);
}

TEST(PacketConnTest, CloseWakesAPendingReadFrom) {
  auto a = listen_packet("udp", "127.0.0.1:0");
  ASSERT_TRUE(a);
  std::atomic<bool> started{false};
  packet_result r;
  scoped_thread t([&] {
    std::byte buf[8];
    started = true;
    r = a->read_from(buf);
  });
  while (!started) std::this_thread::yield();
  std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(a->close());
  t.join();
  EXPECT_EQ(r.err, errc::closed);
}

TEST(PacketConnTest, WriteToTheWrongKindOfAddressIsInvalid) {
  auto a = listen_packet("udp", "127.0.0.1:0");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->write_to(bytes("x"), tcp_addr{ip::v4_loopback(), 9}).err,
            std::errc::invalid_argument);
  EXPECT_EQ(a->write_to(bytes("x"), addr{}).err, std::errc::invalid_argument);
  auto v4only = listen_packet("udp4", "127.0.0.1:0");
  ASSERT_TRUE(v4only);
  EXPECT_EQ(v4only->write_to(bytes("x"), udp_addr{ip::v6_loopback(), 9}).err,
            std::errc::address_family_not_supported);
}

TEST(PacketConnTest, DualStackSocketSendsToIpv4AndSeesUnmappedSenders) {
  if (!test::ipv6_loopback_available()) GTEST_SKIP() << "no IPv6";
  auto any = listen_packet("udp", ":0");
  ASSERT_TRUE(any) << any.error().what();
  auto v4 = listen_packet("udp4", "127.0.0.1:0");
  ASSERT_TRUE(v4);
  any->set_deadline(deadline::after(10s));
  v4->set_deadline(deadline::after(10s));
  std::uint16_t port = any->local_addr().as_udp()->port;
  ASSERT_FALSE(v4->write_to(bytes("hi"), udp_addr{ip::v4_loopback(), port}).err);
  std::byte buf[8];
  auto r = any->read_from(buf);
  ASSERT_TRUE(r) << r.err.message();
  ASSERT_NE(r.from.as_udp(), nullptr);
  EXPECT_TRUE(r.from.as_udp()->ip.is_v4()) << r.from.to_string();
  ASSERT_FALSE(any->write_to(bytes("back"), r.from).err);
  auto back = v4->read_from(buf);
  ASSERT_TRUE(back);
  EXPECT_EQ(str({buf, back.n}), "back");
}

TEST(PacketConnTest, UnixgramWithPathsAndAbstractNames) {
  std::string p = test::temp_socket_path("pc");
  auto a = listen_packet("unixgram", p);
  ASSERT_TRUE(a) << a.error().what();
  struct stat st {};
  ASSERT_EQ(::lstat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string name = "@" + conduit::test::unique_name("conduit_pc");
  auto b = listen_packet("unixgram", name);
  ASSERT_TRUE(b) << b.error().what();
  a->set_deadline(deadline::after(10s));
  b->set_deadline(deadline::after(10s));
  ASSERT_FALSE(b->write_to(bytes("to a"), a->local_addr()).err);
  std::byte buf[16];
  auto r = a->read_from(buf);
  ASSERT_TRUE(r);
  EXPECT_EQ(str({buf, r.n}), "to a");
  EXPECT_EQ(r.from.to_string(), name);
  EXPECT_EQ(r.from.network(), "unixgram");
  ASSERT_FALSE(a->write_to(bytes("to b"), r.from).err);
  auto back = b->read_from(buf);
  ASSERT_TRUE(back);
  EXPECT_EQ(back.from.to_string(), p);
  ASSERT_TRUE(a->close());
  EXPECT_NE(::lstat(p.c_str(), &st), 0) << "removed on close";
}

TEST(PacketConnTest, UnknownNetworkAndBadAddress) {
  EXPECT_EQ(listen_packet("tcp", "127.0.0.1:0").error().what(), "listen tcp: unknown network tcp");
  EXPECT_EQ(listen_packet("udp", "127.0.0.1").error().what(),
            "listen udp: address 127.0.0.1: missing port in address");
}

TEST(PacketConnTest, EmptyPacketConnFailsClosed) {
  packet_conn pc;
  std::byte buf[4];
  EXPECT_EQ(pc.read_from(buf).err, errc::closed);
  EXPECT_EQ(pc.write_to(bytes("x"), udp_addr{}).err, errc::closed);
  EXPECT_EQ(pc.close().error(), errc::closed);
  EXPECT_FALSE(pc.valid());
}

}  // namespace
}  // namespace conduit::net
