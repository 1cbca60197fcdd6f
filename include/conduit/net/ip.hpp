// net::ip: an IP address, version 4 or 6, with an optional zone for IPv6 link-local
// addresses; parse_ip reads one from text. Go: net.IP and net/netip.Addr, net.ParseIP.
//
//   auto a = conduit::net::parse_ip("fe80::1%eth0");
//   if (a && a->is_v6()) std::puts(a->to_string().c_str());   // "fe80::1%eth0"
//   conduit::net::ip lo = conduit::net::ip::v4(127, 0, 0, 1);
//
// Unlike Go's net.IP (a byte slice in which IPv4 addresses often sit in 16 bytes), an ip
// knows its family, as Go's net/netip does: "1.2.3.4" is IPv4, and "::ffff:1.2.3.4" is an
// IPv6 address (IPv4-mapped; unmap() gives the IPv4 address). Addresses that the kernel
// reports as IPv4-mapped (a dual-stack socket) are unmapped by net:: before you see them,
// as Go does.
//
// Thread safety: a value type; distinct objects may be used from distinct threads.
#ifndef CONDUIT_NET_IP_HPP
#define CONDUIT_NET_IP_HPP

#include <array>
#include <conduit/result.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace conduit::net {

// An IPv4 or IPv6 address, or none (Go's nil IP).
// Thread safety: a value type.
class ip {
 public:
  // No address: is_valid() is false, to_string() is "<nil>".
  ip() = default;

  // a.b.c.d
  [[nodiscard]] static ip v4(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                             std::uint8_t d) noexcept;
  // The IPv4 address of 4 bytes in network order.
  [[nodiscard]] static ip from_v4_bytes(std::span<const std::uint8_t, 4> b) noexcept;
  // The IPv6 address of 16 bytes in network order, with an optional zone ("eth0" or "2").
  [[nodiscard]] static ip from_v6_bytes(std::span<const std::uint8_t, 16> b,
                                        std::string_view zone = {});
  // 127.0.0.1, ::1, 0.0.0.0 and :: (Go: IPv4(127,0,0,1), IPv6loopback, IPv4zero,
  // IPv6unspecified).
  [[nodiscard]] static ip v4_loopback() noexcept { return v4(127, 0, 0, 1); }
  [[nodiscard]] static ip v6_loopback() noexcept;
  [[nodiscard]] static ip v4_unspecified() noexcept { return v4(0, 0, 0, 0); }
  [[nodiscard]] static ip v6_unspecified() noexcept;

  [[nodiscard]] bool is_valid() const noexcept { return family_ != 0; }
  [[nodiscard]] bool is_v4() const noexcept { return family_ == 4; }
  [[nodiscard]] bool is_v6() const noexcept { return family_ == 6; }
  // The address bytes in network order: 4 for IPv4, 16 for IPv6, none when invalid.
  [[nodiscard]] std::span<const std::uint8_t> bytes() const noexcept {
    return {bytes_.data(), static_cast<std::size_t>(family_ == 4 ? 4 : family_ == 6 ? 16 : 0)};
  }
  // The IPv6 zone ("" when none; always "" for IPv4).
  [[nodiscard]] const std::string& zone() const noexcept { return zone_; }

  // 127.0.0.0/8, ::1, and their IPv4-mapped forms.
  [[nodiscard]] bool is_loopback() const noexcept;
  // 0.0.0.0 or ::.
  [[nodiscard]] bool is_unspecified() const noexcept;
  // 224.0.0.0/4 or ff00::/8.
  [[nodiscard]] bool is_multicast() const noexcept;
  // 169.254.0.0/16 or fe80::/10.
  [[nodiscard]] bool is_link_local_unicast() const noexcept;
  // ::ffff:a.b.c.d
  [[nodiscard]] bool is_v4_mapped() const noexcept;
  // The IPv4 address of an IPv4-mapped IPv6 address; any other address unchanged.
  [[nodiscard]] ip unmap() const;

  // Go's format: "192.0.2.1", "2001:db8::1", "fe80::1%eth0" (RFC 5952 for IPv6), "<nil>".
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const ip&, const ip&) = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
  std::uint8_t family_ = 0;  // 0, 4 or 6
  std::string zone_;
};

// Parses an IPv4 address in dotted decimal ("192.0.2.1", no leading zeros, as Go 1.17+) or
// an IPv6 address ("2001:db8::1", "::ffff:192.0.2.1"), with an optional zone after '%' for
// IPv6 ("fe80::1%eth0"). Go: net.ParseIP (which takes no zone) and netip.ParseAddr.
// Blocks: never. Context: any thread.
// Errors: std::errc::invalid_argument (not an address).
[[nodiscard]] result<ip> parse_ip(std::string_view s);

}  // namespace conduit::net

#endif  // CONDUIT_NET_IP_HPP
