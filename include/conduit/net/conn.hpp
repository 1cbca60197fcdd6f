// net::conn: a network connection with Go's net.Conn semantics — the eight methods read,
// write, close, local_addr, remote_addr, set_deadline, set_read_deadline and
// set_write_deadline — over a non-blocking socket. dial() and listener::accept() make them;
// tcp_conn, unix_conn and udp_conn (their own headers) add what each kind of socket has.
//
//   auto c = conduit::net::dial("tcp", "127.0.0.1:8080");
//   if (!c) return fail(c.error().code());
//   c->set_deadline(conduit::deadline::after(std::chrono::seconds(5)));
//   auto [n, err] = c->write("ping\n");            // all of it, or an error and the count
//   std::byte buf[512];
//   auto r = c->read(buf);                          // what has arrived; errc::eof at the end
//
// Semantics, as Go's:
// - write writes everything or returns an error with the count that went out; read returns
//   what is there (n > 0) or an error, never both; errc::eof on an orderly close; a
//   zero-length read returns 0 at once.
// - Deadlines are absolute and per direction; they apply to calls already waiting, may be
//   moved later or earlier at any time, and a timeout does not break the connection (the
//   next call with a later deadline works). A deadline already past fails a call at once,
//   even if data is ready.
// - close() wakes every pending call with errc::closed; later calls fail with errc::closed.
// - One read and one write may run at the same time from two threads; more readers (or
//   writers) queue in FIFO order, so two writes never interleave their bytes.
// - Writes never raise SIGPIPE: a write to a connection the peer has closed returns EPIPE
//   (or ECONNRESET).
// - A datagram conn (udp, unixgram, unixpacket) reads and writes one datagram per call; a
//   datagram longer than the buffer fails with errc::message_too_large (the buffer holds
//   its first bytes, the rest is gone), never silently.
//
// conn is a move-only handle that owns its socket (closed on destruction). To share it
// between threads, share a reference; destroy it only after every other thread has left
// its calls (close() first to wake them).
//
// Thread safety: every method may be called from any thread concurrently, except the move
// operations and the destructor.
#ifndef CONDUIT_NET_CONN_HPP
#define CONDUIT_NET_CONN_HPP

#include <conduit/fd.hpp>
#include <conduit/net/addr.hpp>
#include <conduit/result.hpp>
#include <conduit/time.hpp>
#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

namespace conduit::net {
namespace internal {
struct socket;
struct access;
}  // namespace internal

// A connection (Go: net.Conn). Thread safety: see the header comment.
class conn {
 public:
  // An empty conn: every call fails with errc::closed.
  conn() noexcept;
  conn(conn&&) noexcept;
  conn& operator=(conn&&) noexcept;
  conn(const conn&) = delete;
  conn& operator=(const conn&) = delete;
  // Closes the socket if it is still open.
  ~conn();

  // Reads up to buf.size() bytes: at least one, or an error.
  // Blocks: until data arrives, the peer closes, close() or the read deadline.
  // Errors: errc::eof (orderly close by the peer), errc::closed (closed here),
  //         errc::timeout (read deadline), errc::message_too_large (datagram conns: it did
  //         not fit buf), or an errno (ECONNRESET, ...).
  // Deadline: nothing was consumed when it returns errc::timeout.
  [[nodiscard]] result<std::size_t> read(std::span<std::byte> buf) noexcept;

  // Writes all of buf (datagram conns: buf as one datagram).
  // Blocks: until everything is handed to the kernel, close() or the write deadline.
  // Errors: errc::closed, errc::timeout (n bytes went out first), or an errno (EPIPE,
  //         ECONNRESET, EMSGSIZE for a datagram too large, ECONNREFUSED for UDP, ...).
  // Deadline: n says what went out; the rest was not sent.
  io_result write(std::span<const std::byte> buf) noexcept;
  io_result write(std::string_view s) noexcept {
    return write(std::as_bytes(std::span<const char>(s.data(), s.size())));
  }

  // Closes the connection: pending and later calls fail with errc::closed.
  // Blocks: until calls inside a (non-blocking) system call have left it; with
  //         tcp_conn::set_linger(n > 0), close(2) itself may wait for unsent data.
  // Errors: errc::closed (already closed), or close(2)'s errno.
  result<void> close() noexcept;

  // The local and the remote address (Go: LocalAddr, RemoteAddr). Fixed at creation; an
  // empty addr for an empty conn, an unnamed unix_addr for an unnamed Unix socket.
  // Blocks: never.
  [[nodiscard]] const net::addr& local_addr() const noexcept;
  [[nodiscard]] const net::addr& remote_addr() const noexcept;

  // Sets the read and write deadlines (Go: SetDeadline); deadline::never() clears them.
  // Calls already waiting see the new deadline at once. Blocks: never.
  void set_deadline(deadline d) noexcept;
  void set_read_deadline(deadline d) noexcept;
  void set_write_deadline(deadline d) noexcept;

  // A new descriptor for the same socket (F_DUPFD_CLOEXEC), owned by the caller (Go:
  // TCPConn.File / UnixConn.File): to hand the socket to a child process (dup2 it onto the
  // child's fd in posix_spawn's file actions) or to call setsockopt on it. It shares the
  // socket's open file description, O_NONBLOCK included; closing it does not close the conn.
  // Blocks: never. Errors: errc::closed, EMFILE.
  [[nodiscard]] result<unique_fd> dup_fd() const noexcept;

  // "tcp", "udp", "unix", "unixgram" or "unixpacket"; "" for an empty conn.
  [[nodiscard]] std::string_view network() const noexcept;
  // False for an empty (default-constructed or moved-from) conn. A closed conn stays valid.
  [[nodiscard]] bool valid() const noexcept { return s_ != nullptr; }

 protected:
  friend struct internal::access;
  std::unique_ptr<internal::socket> s_;
};

// Wraps a connected socket that came from elsewhere (inherited across exec, from
// socketpair(2), ...) and takes ownership of it (Go: net.FileConn, which dups instead). The
// fd is switched to non-blocking mode. The kind (TCP, UDP, Unix stream/datagram/seqpacket)
// comes from the socket itself.
// Blocks: never.
// Errors: ENOTSOCK, EAFNOSUPPORT (not an IP or Unix socket), or an errno of getsockopt.
//         On error the fd is closed.
[[nodiscard]] result<conn> file_conn(unique_fd fd);

}  // namespace conduit::net

#endif  // CONDUIT_NET_CONN_HPP
