// net::ip and parse_ip.
#include <arpa/inet.h>

#include <conduit/net/ip.hpp>
#include <cstring>

namespace conduit::net {
namespace {

// Dotted decimal, four parts, each 0-255, no leading zeros, nothing else.
bool parse_v4(std::string_view s, std::uint8_t out[4]) {
  int part = 0;
  std::size_t i = 0;
  while (part < 4) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    std::size_t start = i;
    unsigned v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + static_cast<unsigned>(s[i] - '0');
      if (v > 255 || i - start >= 3) return false;
      ++i;
    }
    if (i - start > 1 && s[start] == '0') return false;  // leading zero (Go 1.17+)
    out[part++] = static_cast<std::uint8_t>(v);
    if (part < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

bool valid_zone(std::string_view z) {
  if (z.empty()) return false;
  for (char c : z) {
    if (c == '%' || c == '\0' || c == '/' || c == ' ') return false;
  }
  return true;
}

}  // namespace

ip ip::v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) noexcept {
  ip r;
  r.family_ = 4;
  r.bytes_[0] = a;
  r.bytes_[1] = b;
  r.bytes_[2] = c;
  r.bytes_[3] = d;
  return r;
}

ip ip::from_v4_bytes(std::span<const std::uint8_t, 4> b) noexcept {
  return v4(b[0], b[1], b[2], b[3]);
}

ip ip::from_v6_bytes(std::span<const std::uint8_t, 16> b, std::string_view zone) {
  ip r;
  r.family_ = 6;
  std::memcpy(r.bytes_.data(), b.data(), 16);
  r.zone_ = std::string(zone);
  return r;
}

ip ip::v6_loopback() noexcept {
  ip r;
  r.family_ = 6;
  r.bytes_[15] = 1;
  return r;
}

ip ip::v6_unspecified() noexcept {
  ip r;
  r.family_ = 6;
  return r;
}

bool ip::is_v4_mapped() const noexcept {
  if (family_ != 6) return false;
  for (int i = 0; i < 10; ++i) {
    if (bytes_[i] != 0) return false;
  }
  return bytes_[10] == 0xff && bytes_[11] == 0xff;
}

ip ip::unmap() const {
  if (!is_v4_mapped()) return *this;
  return v4(bytes_[12], bytes_[13], bytes_[14], bytes_[15]);
}

bool ip::is_loopback() const noexcept {
  if (family_ == 4) return bytes_[0] == 127;
  if (is_v4_mapped()) return bytes_[12] == 127;
  if (family_ != 6) return false;
  for (int i = 0; i < 15; ++i) {
    if (bytes_[i] != 0) return false;
  }
  return bytes_[15] == 1;
}

bool ip::is_unspecified() const noexcept {
  if (family_ == 0) return false;
  for (std::uint8_t b : bytes()) {
    if (b != 0) return false;
  }
  return true;
}

bool ip::is_multicast() const noexcept {
  if (family_ == 4) return (bytes_[0] & 0xf0) == 0xe0;
  return family_ == 6 && bytes_[0] == 0xff;
}

bool ip::is_link_local_unicast() const noexcept {
  if (family_ == 4) return bytes_[0] == 169 && bytes_[1] == 254;
  return family_ == 6 && bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80;
}

std::string ip::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  if (family_ == 4) {
    ::inet_ntop(AF_INET, bytes_.data(), buf, sizeof buf);
    return buf;
  }
  if (family_ == 6) {
    ::inet_ntop(AF_INET6, bytes_.data(), buf, sizeof buf);
    std::string s = buf;
    if (!zone_.empty()) s += "%" + zone_;
    return s;
  }
  return "<nil>";
}

result<ip> parse_ip(std::string_view s) {
  auto bad = [] { return fail(std::make_error_code(std::errc::invalid_argument)); };
  std::uint8_t v4b[4];
  if (s.find(':') == std::string_view::npos) {
    if (!parse_v4(s, v4b)) return bad();
    return ip::v4(v4b[0], v4b[1], v4b[2], v4b[3]);
  }
  std::string_view zone;
  if (auto pct = s.find('%'); pct != std::string_view::npos) {
    zone = s.substr(pct + 1);
    s = s.substr(0, pct);
    if (!valid_zone(zone)) return bad();
  }
  if (s.size() >= INET6_ADDRSTRLEN) return bad();
  char tmp[INET6_ADDRSTRLEN];
  std::memcpy(tmp, s.data(), s.size());
  tmp[s.size()] = '\0';
  std::uint8_t b[16];
  if (::inet_pton(AF_INET6, tmp, b) != 1) return bad();
  // inet_pton takes an embedded IPv4 part with leading zeros; Go does not.
  if (auto dot = s.rfind(':'); s.find('.') != std::string_view::npos) {
    if (!parse_v4(s.substr(dot + 1), v4b)) return bad();
  }
  return ip::from_v6_bytes(std::span<const std::uint8_t, 16>(b, 16), zone);
}

}  // namespace conduit::net
