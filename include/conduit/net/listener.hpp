// Listening: net::listen, net::listen_config and net::listener (Go: net.Listen,
// net.ListenConfig, net.Listener) for "tcp", "tcp4", "tcp6", "unix" and "unixpacket".
// Datagram sockets are bound with listen_packet (<conduit/net/packet_conn.hpp>).
//
//   auto ln = conduit::net::listen("tcp", "127.0.0.1:0");
//   std::printf("listening on %s\n", ln->addr().to_string().c_str());
//   for (;;) {
//     auto c = ln->accept();                   // errc::closed once ln->close() is called
//     if (!c) break;
//     std::thread([c = std::move(*c)]() mutable { serve(c); }).detach();
//   }
//
// TCP: SO_REUSEADDR is set, as Go; an empty host (":8080") listens on every interface,
// dual-stack [::] for "tcp" when IPv6 is available (0.0.0.0 otherwise, and for "tcp4");
// the backlog is the system's maximum (/proc/sys/net/core/somaxconn) unless
// listen_config::backlog says otherwise. Accepted TCP conns have TCP_NODELAY and keep-alive
// on, as Go.
//
// Unix: the socket file is created with mode 0600 (listen_config::unix_mode; the umask does
// not apply) and removed by close() if it is still the file this listener created. A path
// that exists already fails with EADDRINUSE, and the error says whether it is a stale
// socket (nothing accepts on it: remove it) or not a socket at all. "@name" listens in the
// abstract namespace (no file). A path longer than 107 bytes fails with
// std::errc::filename_too_long. An empty address autobinds an abstract name.
//
// Out of descriptors: when accept(2) fails with EMFILE or ENFILE (or ENOBUFS/ENOMEM),
// accept does not return the error nor spin: it backs off (5 ms, doubling to 1 s) and
// retries, woken early by close() or a deadline change, so a server survives running out
// of fds; the pending connection waits in the backlog meanwhile.
//
// Thread safety: every method may be called from any thread concurrently (accepts queue,
// FIFO), except the move operations and the destructor.
#ifndef CONDUIT_NET_LISTENER_HPP
#define CONDUIT_NET_LISTENER_HPP

#include <chrono>
#include <conduit/net/addr.hpp>
#include <conduit/net/conn.hpp>
#include <conduit/net/op_error.hpp>
#include <conduit/net/packet_conn.hpp>
#include <conduit/result.hpp>
#include <conduit/time.hpp>
#include <memory>
#include <string_view>

namespace conduit::net {
namespace internal {
struct socket;
struct access;
}  // namespace internal

// A listening socket (Go: net.Listener, with TCPListener/UnixListener's SetDeadline).
// Thread safety: see the header comment.
class listener {
 public:
  // An empty listener: every call fails with errc::closed.
  listener() noexcept;
  listener(listener&&) noexcept;
  listener& operator=(listener&&) noexcept;
  listener(const listener&) = delete;
  listener& operator=(const listener&) = delete;
  // Closes the listener if it is still open (removing its socket file).
  ~listener();

  // Waits for and returns the next connection (a tcp_conn or unix_conn inside; see
  // tcp_conn::try_from). ECONNABORTED (a client gave up in the backlog) is retried.
  // Blocks: until a connection arrives, close() or the deadline; backs off while the process
  //         is out of fds (see the header comment).
  // Errors: errc::closed, errc::timeout, or another errno of accept4(2).
  // Deadline: no connection was taken from the backlog.
  [[nodiscard]] result<conn> accept() noexcept;

  // Closes the listener: a pending accept returns errc::closed; a Unix socket file that
  // this listener created is removed first. Connections already accepted stay open.
  // Blocks: briefly (see conn::close). Errors: errc::closed (already closed), errno.
  result<void> close() noexcept;

  // The address it listens on, with the port the system chose for ":0" (Go: Addr).
  // Blocks: never.
  [[nodiscard]] const net::addr& addr() const noexcept;

  // The deadline of accept (Go: TCPListener.SetDeadline); applies to a pending accept.
  // Blocks: never.
  void set_deadline(deadline d) noexcept;

  // "tcp", "unix" or "unixpacket"; "" for an empty listener.
  [[nodiscard]] std::string_view network() const noexcept;
  [[nodiscard]] bool valid() const noexcept { return s_ != nullptr; }

 private:
  friend struct internal::access;
  std::unique_ptr<internal::socket> s_;
};

// Options for listening (Go: net.ListenConfig). A value type.
struct listen_config {
  // listen(2)'s backlog; 0: the system's maximum, as Go.
  int backlog = 0;
  // Mode of a Unix socket file ("unix", "unixpacket", "unixgram"); the umask does not apply.
  unsigned unix_mode = 0600;
  // Remove the Unix socket file on close (if it is still the one created here).
  bool unix_unlink_on_close = true;
  // Keep-alive period of accepted TCP conns: zero is Go's default (15 s); negative: off.
  std::chrono::nanoseconds keep_alive{0};

  // Listens on address, as net::listen.
  // Blocks: only while a host or service name is looked up.
  // Errors (op_error, op "listen"): std::errc::invalid_argument (unknown network,
  //         malformed address), std::errc::filename_too_long, a lookup error, or the errno
  //         of socket/bind/listen (EADDRINUSE, with a note for a stale Unix socket file;
  //         EACCES; EADDRNOTAVAIL; ...).
  [[nodiscard]] result<listener, op_error> listen(std::string_view network,
                                                  std::string_view address) const;
  // Binds a datagram socket, as net::listen_packet.
  [[nodiscard]] result<packet_conn, op_error> listen_packet(std::string_view network,
                                                            std::string_view address) const;
};

// listen_config{}.listen(network, address) (Go: net.Listen).
// Blocks, Errors: as listen_config::listen.
[[nodiscard]] result<listener, op_error> listen(std::string_view network, std::string_view address);

}  // namespace conduit::net

#endif  // CONDUIT_NET_LISTENER_HPP
