// Network addresses, Go's way: tcp_addr, udp_addr and unix_addr (Go: *net.TCPAddr,
// *net.UDPAddr, *net.UnixAddr), the common net::addr (Go's net.Addr interface: network()
// and to_string()), and the "host:port" helpers split_host_port and join_host_port.
//
//   auto [host, port] = *conduit::net::split_host_port("[::1]:8080");   // "::1", "8080"
//   conduit::net::join_host_port("::1", "8080");                        // "[::1]:8080"
//   conduit::net::addr a = conduit::net::tcp_addr{conduit::net::ip::v4_loopback(), 80};
//   a.network();    // "tcp"
//   a.to_string();  // "127.0.0.1:80"
//
// Networks are Go's strings: "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "unix",
// "unixgram", "unixpacket". Addresses are "host:port", "[::1]:80", ":0"; Unix paths, and
// "@name" for Linux's abstract namespace.
//
// Thread safety: value types.
#ifndef CONDUIT_NET_ADDR_HPP
#define CONDUIT_NET_ADDR_HPP

#include <conduit/net/ip.hpp>
#include <conduit/net/op_error.hpp>
#include <conduit/result.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace conduit::net {

// A TCP endpoint (Go: *net.TCPAddr; the zone lives in the ip).
// Thread safety: a value type.
struct tcp_addr {
  net::ip ip;  // invalid: no address (":80")
  std::uint16_t port = 0;

  [[nodiscard]] static constexpr std::string_view network() noexcept { return "tcp"; }
  // "127.0.0.1:80", "[::1]:80", "[fe80::1%eth0]:80", ":80" when ip is invalid.
  [[nodiscard]] std::string to_string() const;
  friend bool operator==(const tcp_addr&, const tcp_addr&) = default;
};

// A UDP endpoint (Go: *net.UDPAddr).
// Thread safety: a value type.
struct udp_addr {
  net::ip ip;
  std::uint16_t port = 0;

  [[nodiscard]] static constexpr std::string_view network() noexcept { return "udp"; }
  [[nodiscard]] std::string to_string() const;
  friend bool operator==(const udp_addr&, const udp_addr&) = default;
};

// A Unix-domain endpoint (Go: *net.UnixAddr).
// Thread safety: a value type.
struct unix_addr {
  // A path, "@name" in the abstract namespace, or "" for an unnamed socket.
  std::string name;
  // "unix", "unixgram" or "unixpacket".
  std::string net = "unix";

  [[nodiscard]] std::string_view network() const noexcept { return net; }
  [[nodiscard]] std::string to_string() const { return name; }
  friend bool operator==(const unix_addr&, const unix_addr&) = default;
};

// Any of the three, or none (Go's net.Addr interface; none is Go's nil Addr).
// Thread safety: a value type.
class addr {
 public:
  addr() = default;
  addr(tcp_addr a) : v_(std::move(a)) {}   // NOLINT: implicit, as a Go interface value
  addr(udp_addr a) : v_(std::move(a)) {}   // NOLINT
  addr(unix_addr a) : v_(std::move(a)) {}  // NOLINT

  [[nodiscard]] bool empty() const noexcept { return v_.index() == 0; }
  // "tcp", "udp", "unix", "unixgram", "unixpacket"; "" when empty.
  [[nodiscard]] std::string_view network() const noexcept;
  // Go's String(): "127.0.0.1:80", "[::1]:80", "/tmp/s", "@name"; "<nil>" when empty.
  [[nodiscard]] std::string to_string() const;

  // The concrete address, or null when it is another kind (Go: a.(*net.TCPAddr)).
  [[nodiscard]] const tcp_addr* as_tcp() const noexcept { return std::get_if<tcp_addr>(&v_); }
  [[nodiscard]] const udp_addr* as_udp() const noexcept { return std::get_if<udp_addr>(&v_); }
  [[nodiscard]] const unix_addr* as_unix() const noexcept { return std::get_if<unix_addr>(&v_); }

  friend bool operator==(const addr&, const addr&) = default;

 private:
  std::variant<std::monostate, tcp_addr, udp_addr, unix_addr> v_;
};

// The two halves of "host:port".
struct host_port {
  std::string host;
  std::string port;
};

// Splits "host:port", "[host]:port" or "[host%zone]:port" into host and port, as Go's
// net.SplitHostPort (the brackets go; the port is not checked to be a number).
// Blocks: never. Context: any thread.
// Errors: std::errc::invalid_argument, worded as Go's AddrError: "address x: missing port in
//         address", "too many colons in address", "missing ']' in address", "unexpected '['
//         in address", "unexpected ']' in address".
[[nodiscard]] result<host_port, op_error> split_host_port(std::string_view hostport);

// Joins host and port into "host:port", or "[host]:port" when host contains a colon (an
// IPv6 literal), as Go's net.JoinHostPort. Blocks: never.
[[nodiscard]] std::string join_host_port(std::string_view host, std::string_view port);

}  // namespace conduit::net

#endif  // CONDUIT_NET_ADDR_HPP
