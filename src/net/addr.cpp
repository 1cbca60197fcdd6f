// tcp_addr, udp_addr, addr, split_host_port, join_host_port.
#include <conduit/net/addr.hpp>

#include "net/errors.hpp"

namespace conduit::net {
namespace {

std::string ip_port(const ip& a, std::uint16_t port) {
  if (!a.is_valid()) return ":" + std::to_string(port);
  return join_host_port(a.to_string(), std::to_string(port));
}

}  // namespace

std::string tcp_addr::to_string() const { return ip_port(ip, port); }
std::string udp_addr::to_string() const { return ip_port(ip, port); }

std::string_view addr::network() const noexcept {
  switch (v_.index()) {
    case 1:
      return tcp_addr::network();
    case 2:
      return udp_addr::network();
    case 3:
      return std::get<3>(v_).network();
    default:
      return {};
  }
}

std::string addr::to_string() const {
  switch (v_.index()) {
    case 1:
      return std::get<1>(v_).to_string();
    case 2:
      return std::get<2>(v_).to_string();
    case 3:
      return std::get<3>(v_).to_string();
    default:
      return "<nil>";
  }
}

// The rules are Go's net.SplitHostPort: the port follows the last colon; a bracketed host
// must end just before it; no other brackets may appear.
result<host_port, op_error> split_host_port(std::string_view hp) {
  constexpr std::string_view kMissingPort = "missing port in address";
  constexpr std::string_view kTooManyColons = "too many colons in address";
  auto bad = [&](std::string_view why) { return unexpected(internal::addr_error(hp, why)); };
  std::size_t colon = hp.rfind(':');
  if (colon == std::string_view::npos) return bad(kMissingPort);
  std::string_view host;
  std::size_t no_open_from = 0, no_close_from = 0;  // brackets may not appear from here on
  if (hp.front() == '[') {
    std::size_t close = hp.find(']');
    if (close == std::string_view::npos) return bad("missing ']' in address");
    if (close + 1 == hp.size()) return bad(kMissingPort);
    if (close + 1 != colon) {
      return bad(hp[close + 1] == ':' ? kTooManyColons : kMissingPort);
    }
    host = hp.substr(1, close - 1);
    no_open_from = 1;
    no_close_from = close + 1;
  } else {
    host = hp.substr(0, colon);
    if (host.find(':') != std::string_view::npos) return bad(kTooManyColons);
  }
  if (hp.find('[', no_open_from) != std::string_view::npos) {
    return bad("unexpected '[' in address");
  }
  if (hp.find(']', no_close_from) != std::string_view::npos) {
    return bad("unexpected ']' in address");
  }
  return host_port{std::string(host), std::string(hp.substr(colon + 1))};
}

std::string join_host_port(std::string_view host, std::string_view port) {
  std::string s;
  s.reserve(host.size() + port.size() + 3);
  if (host.find(':') != std::string_view::npos) {
    s += '[';
    s += host;
    s += ']';
  } else {
    s += host;
  }
  s += ':';
  s += port;
  return s;
}

}  // namespace conduit::net
