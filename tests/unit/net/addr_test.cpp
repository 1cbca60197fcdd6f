// Addresses and host:port. The split/join cases are Go's net.SplitHostPort /
// JoinHostPort tests (src/net/ipsock_test.go, net_test.go), re-stated.
#include <gtest/gtest.h>

#include <conduit/net/addr.hpp>

namespace conduit::net {
namespace {

TEST(AddrTest, TcpAndUdpAddrsPrintInGosFormat) {
  EXPECT_EQ((tcp_addr{ip::v4_loopback(), 80}).to_string(), "127.0.0.1:80");
  EXPECT_EQ((tcp_addr{ip::v6_loopback(), 80}).to_string(), "[::1]:80");
  EXPECT_EQ((tcp_addr{*parse_ip("fe80::1%eth0"), 8}).to_string(), "[fe80::1%eth0]:8");
  EXPECT_EQ((tcp_addr{ip(), 80}).to_string(), ":80");
  EXPECT_EQ((udp_addr{ip::v4(10, 0, 0, 1), 53}).to_string(), "10.0.0.1:53");
  EXPECT_EQ(tcp_addr::network(), "tcp");
  EXPECT_EQ(udp_addr::network(), "udp");
}

TEST(AddrTest, AddrCarriesAnyKind) {
  addr none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.network(), "");
  EXPECT_EQ(none.to_string(), "<nil>");
  addr t = tcp_addr{ip::v4_loopback(), 1};
  EXPECT_EQ(t.network(), "tcp");
  ASSERT_NE(t.as_tcp(), nullptr);
  EXPECT_EQ(t.as_udp(), nullptr);
  EXPECT_EQ(t.as_tcp()->port, 1);
  addr u = unix_addr{"/tmp/x.sock", "unixgram"};
  EXPECT_EQ(u.network(), "unixgram");
  EXPECT_EQ(u.to_string(), "/tmp/x.sock");
  ASSERT_NE(u.as_unix(), nullptr);
  addr abstract = unix_addr{"@name"};
  EXPECT_EQ(abstract.network(), "unix");
  EXPECT_EQ(abstract.to_string(), "@name");
  EXPECT_EQ(t, addr(tcp_addr{ip::v4_loopback(), 1}));
  EXPECT_NE(t, addr(udp_addr{ip::v4_loopback(), 1}));
}

TEST(AddrTest, SplitHostPortAcceptsGosForms) {
  struct {
    const char* in;
    const char* host;
    const char* port;
  } cases[] = {
      {"localhost:http", "localhost", "http"},
      {"localhost:80", "localhost", "80"},
      {"127.0.0.1:0", "127.0.0.1", "0"},
      {"[::1]:80", "::1", "80"},
      {"[fe80::1%lo0]:80", "fe80::1%lo0", "80"},
      {":80", "", "80"},
      {"[]:80", "", "80"},
      {"[::1]:", "::1", ""},
      {"host:", "host", ""},
      {":", "", ""},
      {"[localhost%lo0]:0", "localhost%lo0", "0"},
  };
  for (auto& c : cases) {
    auto r = split_host_port(c.in);
    ASSERT_TRUE(r) << c.in << ": " << r.error().what();
    EXPECT_EQ(r->host, c.host) << c.in;
    EXPECT_EQ(r->port, c.port) << c.in;
  }
}

TEST(AddrTest, SplitHostPortRejectsWithGosWords) {
  struct {
    const char* in;
    const char* what;
  } cases[] = {
      {"golang.org", "address golang.org: missing port in address"},
      {"127.0.0.1", "address 127.0.0.1: missing port in address"},
      {"[::1]", "address [::1]: missing port in address"},
      {"[fe80::1%lo0]", "address [fe80::1%lo0]: missing port in address"},
      {"::1", "address ::1: too many colons in address"},
      {"fe80::1%lo0]:80", "address fe80::1%lo0]:80: too many colons in address"},
      {"[foo:bar]", "address [foo:bar]: missing port in address"},
      {"[foo:bar]baz", "address [foo:bar]baz: missing port in address"},
      {"[foo]bar:baz", "address [foo]bar:baz: missing port in address"},
      {"[foo]:[bar]:baz", "address [foo]:[bar]:baz: too many colons in address"},
      {"[foo:", "address [foo:: missing ']' in address"},
      {"[foo:80", "address [foo:80: missing ']' in address"},
      {"foo]:80", "address foo]:80: unexpected ']' in address"},
      {"[foo]:]80", "address [foo]:]80: unexpected ']' in address"},
      {"[foo]:[80", "address [foo]:[80: unexpected '[' in address"},
      {"fo[o:80", "address fo[o:80: unexpected '[' in address"},
  };
  for (auto& c : cases) {
    auto r = split_host_port(c.in);
    ASSERT_FALSE(r) << c.in;
    EXPECT_EQ(r.error().what(), c.what);
    EXPECT_EQ(r.error(), std::errc::invalid_argument);
  }
}

TEST(AddrTest, JoinHostPortBracketsIpv6) {
  EXPECT_EQ(join_host_port("localhost", "80"), "localhost:80");
  EXPECT_EQ(join_host_port("::1", "80"), "[::1]:80");
  EXPECT_EQ(join_host_port("fe80::1%lo0", "http"), "[fe80::1%lo0]:http");
  EXPECT_EQ(join_host_port("", "0"), ":0");
}

TEST(AddrTest, SplitUndoesJoin) {
  for (const char* h : {"localhost", "::1", "fe80::1%eth0", "", "127.0.0.1"}) {
    auto r = split_host_port(join_host_port(h, "1234"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->host, h);
    EXPECT_EQ(r->port, "1234");
  }
}

}  // namespace
}  // namespace conduit::net
