// net::packet_conn: a datagram socket bound to a local address that sends to and receives
// from anyone (Go: net.PacketConn from net.ListenPacket) — UDP ("udp", "udp4", "udp6") or
// Unix datagrams ("unixgram").
//
//   auto pc = conduit::net::listen_packet("udp", "127.0.0.1:0");
//   std::byte buf[1500];
//   pc->set_read_deadline(conduit::deadline::after(std::chrono::seconds(1)));
//   auto r = pc->read_from(buf);              // r.n bytes from r.from, or r.err
//   if (r) (void)pc->write_to(std::span(buf, r.n), r.from);   // echo it back
//
// Each read_from takes one datagram, each write_to sends one. A datagram longer than the
// buffer is never truncated silently: read_from reports errc::message_too_large (MSG_TRUNC)
// with the part that fitted.
//
// A "unixgram" packet_conn creates its socket file with mode 0600 and removes it on close
// (Go leaves it behind); "@name" binds in the abstract namespace.
//
// Thread safety: every method may be called from any thread concurrently (one read_from and
// one write_to run at a time, others queue), except the move operations and the destructor.
#ifndef CONDUIT_NET_PACKET_CONN_HPP
#define CONDUIT_NET_PACKET_CONN_HPP

#include <conduit/net/addr.hpp>
#include <conduit/net/op_error.hpp>
#include <conduit/result.hpp>
#include <conduit/time.hpp>
#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <system_error>

namespace conduit::net {
namespace internal {
struct socket;
struct access;
}  // namespace internal

// Go's (n, addr, err) of ReadFrom.
struct packet_result {
  std::size_t n = 0;    // bytes placed in the buffer
  net::addr from;       // the sender (a unix_addr named "" for an unnamed Unix sender;
                        // empty when nothing was received)
  std::error_code err;  // empty on success

  [[nodiscard]] bool ok() const noexcept { return !err; }
  explicit operator bool() const noexcept { return !err; }
};

// A bound, unconnected datagram socket. Thread safety: see the header comment.
class packet_conn {
 public:
  // An empty packet_conn: every call fails with errc::closed.
  packet_conn() noexcept;
  packet_conn(packet_conn&&) noexcept;
  packet_conn& operator=(packet_conn&&) noexcept;
  packet_conn(const packet_conn&) = delete;
  packet_conn& operator=(const packet_conn&) = delete;
  ~packet_conn();

  // Reads one datagram and its sender.
  // Blocks: until a datagram arrives, close() or the read deadline.
  // Errors (err): errc::closed, errc::timeout (nothing consumed), errc::message_too_large
  //         (the datagram was longer than buf: its first n == buf.size() bytes are in buf,
  //         from is set, the rest is gone), or an errno.
  [[nodiscard]] packet_result read_from(std::span<std::byte> buf) noexcept;

  // Sends buf as one datagram to `to` (a udp_addr for UDP, a unix_addr for unixgram).
  // Blocks: until the kernel takes it (normally at once), close() or the write deadline.
  // Errors: errc::closed, errc::timeout, std::errc::invalid_argument (to is of another
  //         kind, or a name that needs lookup), EMSGSIZE (too large for one datagram),
  //         ECONNREFUSED (ICMP from an earlier send), or another errno. n is buf.size() or 0.
  io_result write_to(std::span<const std::byte> buf, const net::addr& to) noexcept;

  // As conn's.
  result<void> close() noexcept;
  [[nodiscard]] const net::addr& local_addr() const noexcept;
  void set_deadline(deadline d) noexcept;
  void set_read_deadline(deadline d) noexcept;
  void set_write_deadline(deadline d) noexcept;
  [[nodiscard]] std::string_view network() const noexcept;
  [[nodiscard]] bool valid() const noexcept { return s_ != nullptr; }

 private:
  friend struct internal::access;
  std::unique_ptr<internal::socket> s_;
};

// Binds a datagram socket on network "udp", "udp4", "udp6" or "unixgram" at address
// ("127.0.0.1:0", ":9999", "/tmp/sock", "@name"), as Go's net.ListenPacket. SO_BROADCAST is
// set on UDP sockets, as Go. An empty host binds every interface (dual-stack for "udp").
// Blocks: only while a host or service name is looked up.
// Errors (op_error, op "listen"): std::errc::invalid_argument (unknown network, malformed
//         address), std::errc::filename_too_long, EADDRINUSE, EACCES, a lookup error, ...
[[nodiscard]] result<packet_conn, op_error> listen_packet(std::string_view network,
                                                          std::string_view address);

}  // namespace conduit::net

#endif  // CONDUIT_NET_PACKET_CONN_HPP
