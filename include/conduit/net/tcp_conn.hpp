// net::tcp_conn: a TCP connection (Go: *net.TCPConn) — a conn plus half-close, Nagle,
// keep-alive and linger. dial("tcp", ...) and a TCP listener's accept() give a conn;
// tcp_conn::try_from turns it into a tcp_conn (Go: c.(*net.TCPConn)).
//
//   auto c = conduit::net::dial("tcp", "127.0.0.1:8080");
//   auto tc = conduit::net::tcp_conn::try_from(*c);     // std::optional<tcp_conn>
//   (void)tc->write("request");
//   (void)tc->close_write();                           // the peer reads eof; we still read
//
// As Go, a TCP conn from dial or accept has TCP_NODELAY on (set_no_delay(false) to turn
// Nagle's algorithm back on) and keep-alive on with a 15 s period (dialer::keep_alive,
// listen_config::keep_alive).
//
// Thread safety: as conn; the setters may be called concurrently with read and write.
#ifndef CONDUIT_NET_TCP_CONN_HPP
#define CONDUIT_NET_TCP_CONN_HPP

#include <chrono>
#include <conduit/net/conn.hpp>
#include <optional>

namespace conduit::net {

// A TCP connection. Thread safety: see the header comment.
class tcp_conn : public conn {
 public:
  tcp_conn() noexcept = default;

  // Moves c into a tcp_conn if it is a TCP connection; otherwise returns nullopt and leaves
  // c as it was (Go: tc, ok := c.(*net.TCPConn)). Blocks: never.
  [[nodiscard]] static std::optional<tcp_conn> try_from(conn& c) noexcept;

  // Shuts down the reading side (Go: CloseRead): pending and later reads return errc::eof.
  // Shuts down the writing side (Go: CloseWrite): the peer reads errc::eof after the data
  // already written; later writes fail with EPIPE.
  // Blocks: never. Errors: errc::closed, ENOTCONN.
  result<void> close_read() noexcept;
  result<void> close_write() noexcept;

  // TCP_NODELAY: true (the default) sends each write at once; false lets the kernel
  // coalesce small writes (Nagle's algorithm). Blocks: never. Errors: errc::closed, errno.
  result<void> set_no_delay(bool no_delay) noexcept;
  // SO_KEEPALIVE on or off. Blocks: never. Errors: errc::closed, errno.
  result<void> set_keep_alive(bool on) noexcept;
  // The idle time before the first probe and between probes (TCP_KEEPIDLE, TCP_KEEPINTVL),
  // rounded up to whole seconds. Blocks: never. Errors: errc::closed, errno.
  result<void> set_keep_alive_period(std::chrono::nanoseconds period) noexcept;
  // SO_LINGER, as Go's SetLinger: sec < 0 (the default) closes at once and lets the kernel
  // send what is unsent in the background; sec == 0 discards unsent data and resets the
  // connection on close; sec > 0 makes close() wait up to sec seconds for unsent data.
  // Blocks: never (but see close()). Errors: errc::closed, errno.
  result<void> set_linger(int sec) noexcept;
};

}  // namespace conduit::net

#endif  // CONDUIT_NET_TCP_CONN_HPP
