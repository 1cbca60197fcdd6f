// net::ip and parse_ip. Cases follow Go's net.ParseIP / netip.ParseAddr tests.
#include <gtest/gtest.h>

#include <conduit/net/ip.hpp>

namespace conduit::net {
namespace {

TEST(IpTest, ParsesDottedDecimalIpv4) {
  auto a = parse_ip("192.0.2.1");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_v4());
  EXPECT_EQ(a->bytes().size(), 4u);
  EXPECT_EQ(a->to_string(), "192.0.2.1");
  EXPECT_EQ(*a, ip::v4(192, 0, 2, 1));
}

TEST(IpTest, RejectsMalformedIpv4) {
  for (const char* s : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.04", "01.2.3.4", "1..2.3",
                        "1.2.3.4 ", "a.b.c.d", "1.2.3.-1", "1.2.3.4%eth0"}) {
    auto a = parse_ip(s);
    EXPECT_FALSE(a) << s;
    if (!a) {
      EXPECT_EQ(a.error(), std::errc::invalid_argument);
    }
  }
}

TEST(IpTest, ParsesIpv6AndPrintsItCanonically) {
  auto a = parse_ip("2001:0db8:0000:0000:0000:0000:0000:0001");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_v6());
  EXPECT_EQ(a->to_string(), "2001:db8::1");
  EXPECT_EQ(parse_ip("::1")->to_string(), "::1");
  EXPECT_EQ(parse_ip("::")->to_string(), "::");
  EXPECT_TRUE(parse_ip("::1")->is_loopback());
  EXPECT_TRUE(parse_ip("::")->is_unspecified());
}

TEST(IpTest, ParsesAZoneOnIpv6Only) {
  auto a = parse_ip("fe80::1%eth0");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->zone(), "eth0");
  EXPECT_EQ(a->to_string(), "fe80::1%eth0");
  EXPECT_TRUE(a->is_link_local_unicast());
  EXPECT_FALSE(parse_ip("fe80::1%"));
  EXPECT_FALSE(parse_ip("fe80::1%a%b"));
}

TEST(IpTest, Ipv4MappedIsIpv6UntilUnmapped) {
  auto a = parse_ip("::ffff:127.0.0.1");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_v6());
  EXPECT_TRUE(a->is_v4_mapped());
  EXPECT_TRUE(a->is_loopback());
  EXPECT_EQ(a->unmap(), ip::v4_loopback());
  EXPECT_FALSE(parse_ip("::ffff:127.0.0.01")) << "leading zero in the embedded IPv4 part";
}

TEST(IpTest, RejectsMalformedIpv6) {
  for (const char* s : {":::", "1:2:3:4:5:6:7:8:9", "g::1", "[::1]", "::1::2", "12345::"}) {
    EXPECT_FALSE(parse_ip(s)) << s;
  }
}

TEST(IpTest, ClassifiesAddresses) {
  EXPECT_TRUE(ip::v4(127, 9, 9, 9).is_loopback());
  EXPECT_FALSE(ip::v4(128, 0, 0, 1).is_loopback());
  EXPECT_TRUE(ip::v4_unspecified().is_unspecified());
  EXPECT_TRUE(ip::v4(224, 0, 0, 1).is_multicast());
  EXPECT_TRUE(parse_ip("ff02::1")->is_multicast());
  EXPECT_TRUE(ip::v4(169, 254, 1, 1).is_link_local_unicast());
  EXPECT_TRUE(ip::v6_loopback().is_loopback());
}

TEST(IpTest, DefaultIsNotAnAddress) {
  ip none;
  EXPECT_FALSE(none.is_valid());
  EXPECT_EQ(none.to_string(), "<nil>");
  EXPECT_TRUE(none.bytes().empty());
  EXPECT_FALSE(none.is_loopback());
  EXPECT_FALSE(none.is_unspecified());
}

TEST(IpTest, FromBytesRoundTrips) {
  std::uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8};
  b[15] = 7;
  ip a = ip::from_v6_bytes(std::span<const std::uint8_t, 16>(b, 16), "3");
  EXPECT_EQ(a.to_string(), "2001:db8::7%3");
  std::uint8_t c[4] = {10, 1, 2, 3};
  EXPECT_EQ(ip::from_v4_bytes(std::span<const std::uint8_t, 4>(c, 4)).to_string(), "10.1.2.3");
}

}  // namespace
}  // namespace conduit::net
