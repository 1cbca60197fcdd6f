// Dialing: net::dial, net::dial_timeout and net::dialer (Go: net.Dial, net.DialTimeout,
// net.Dialer), for "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "unix", "unixgram" and
// "unixpacket".
//
//   auto c = conduit::net::dial_timeout("tcp", "localhost:8080", std::chrono::seconds(3));
//   if (!c) {
//     std::fprintf(stderr, "%s\n", c.error().what().c_str());
//     // "dial tcp 127.0.0.1:8080: connect: connection refused"
//   }
//   conduit::net::dialer d{.timeout = std::chrono::seconds(1),
//                          .local_addr = conduit::net::tcp_addr{conduit::net::ip::v4_loopback(),
//                          0}};
//   auto c2 = d.dial("tcp4", "127.0.0.1:8080");
//
// A host name resolves first (see <conduit/net/resolve.hpp>); then each address is tried
// in turn, within the deadline, each attempt getting an equal share of the time left (at
// least 2 s, or all that is left), as Go's dialSerial. The first success wins; if all fail,
// the error is the first attempt's. An empty host (":80") dials the local system
// (127.0.0.1, or ::1 for "tcp6"). TCP conns come with TCP_NODELAY on and keep-alive on, as
// Go. Unix "@name" dials the abstract namespace.
//
// Errors are op_errors worded like Go's: "dial tcp 127.0.0.1:1: connect: connection
// refused", "dial tcp 10.0.0.1:80: i/o timeout", "dial tcp: lookup x.invalid: no such host",
// "dial unix /tmp/nope: connect: no such file or directory", "dial tcp: address 1.2.3.4:
// missing port in address", "dial tcp5: unknown network tcp5".
//
// Thread safety: every function may be called from any thread concurrently; a dialer is a
// value (const calls on one dialer may run concurrently).
#ifndef CONDUIT_NET_DIAL_HPP
#define CONDUIT_NET_DIAL_HPP

#include <chrono>
#include <conduit/net/addr.hpp>
#include <conduit/net/conn.hpp>
#include <conduit/net/op_error.hpp>
#include <conduit/result.hpp>
#include <conduit/time.hpp>
#include <string_view>

namespace conduit::net {

// Options for dialing (Go: net.Dialer). A value type: copy it freely.
struct dialer {
  // The longest a dial may take, resolution included; zero: no limit; negative: already
  // expired (the dial fails with errc::timeout at once).
  std::chrono::nanoseconds timeout{0};
  // An absolute deadline; the earlier of this and now + timeout applies.
  conduit::deadline deadline = conduit::deadline::never();
  // The local address to bind before connecting (a tcp_addr, udp_addr or unix_addr of the
  // dialed kind); empty: chosen by the system.
  net::addr local_addr{};
  // TCP keep-alive period: zero is Go's default (on, 15 s); negative turns keep-alive off.
  std::chrono::nanoseconds keep_alive{0};

  // Connects to address on network.
  // Blocks: until connected, every address has failed, or the deadline (resolution
  //         included).
  // Errors (op_error::code()): std::errc::invalid_argument (unknown network, malformed
  //         address, a local_addr of the wrong kind), std::errc::filename_too_long (Unix
  //         path), a lookup error (gai_category()), errc::timeout, or the errno of
  //         socket/bind/connect (ECONNREFUSED, ENOENT, ENETUNREACH, EADDRNOTAVAIL, EAGAIN
  //         for a Unix listener whose backlog is full, ...).
  // Deadline: nothing is left open; the error says "i/o timeout".
  [[nodiscard]] result<conn, op_error> dial(std::string_view network,
                                            std::string_view address) const;
};

// dialer{}.dial(network, address): no time limit beyond the kernel's own connect timeout.
// Blocks, Errors: as dialer::dial.
[[nodiscard]] result<conn, op_error> dial(std::string_view network, std::string_view address);

// dialer{.timeout = timeout}.dial(network, address).
// Blocks, Errors, Deadline: as dialer::dial.
[[nodiscard]] result<conn, op_error> dial_timeout(std::string_view network,
                                                  std::string_view address,
                                                  std::chrono::nanoseconds timeout);

}  // namespace conduit::net

#endif  // CONDUIT_NET_DIAL_HPP
