// net::unix_conn: a Unix-domain connection (Go: *net.UnixConn) — a conn plus passing open
// file descriptors to the peer (SCM_RIGHTS), the peer's process credentials (SO_PEERCRED),
// and half-close. unix_socket_pair makes a connected pair (socketpair(2)), for a parent and
// the child it starts.
//
//   auto c = conduit::net::dial("unix", "/run/app.sock");
//   auto u = conduit::net::unix_conn::try_from(*c);
//   int fd = ::open("data.txt", O_RDONLY | O_CLOEXEC);
//   (void)u->send_fds("F", {&fd, 1});        // the peer gets its own copy of the open file
//   ...
//   std::byte b[1];
//   auto got = peer.recv_fds(b, 1);          // got.fds[0] is a unique_fd, O_CLOEXEC
//   auto who = peer.peer_credentials();      // pid, uid, gid of the other process
//
// Descriptors received are O_CLOEXEC (MSG_CMSG_CLOEXEC) and owned by unique_fd from the
// moment they arrive, so none leaks, whatever happens next.
//
// Thread safety: as conn.
#ifndef CONDUIT_NET_UNIX_CONN_HPP
#define CONDUIT_NET_UNIX_CONN_HPP

#include <sys/types.h>

#include <conduit/fd.hpp>
#include <conduit/net/conn.hpp>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace conduit::net {

// What recv_fds received (Go's ReadMsgUnix, with the descriptors already parsed).
struct recv_fds_result {
  std::size_t n = 0;           // bytes of data placed in the buffer
  std::vector<unique_fd> fds;  // descriptors received, in the order they were sent
  std::error_code err;         // empty on success; see recv_fds

  [[nodiscard]] bool ok() const noexcept { return !err; }
  explicit operator bool() const noexcept { return !err; }
};

// The credentials of the process at the other end (SO_PEERCRED): as they were when it
// called connect(2) or socketpair(2).
struct credentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

// A Unix-domain connection ("unix", "unixgram" or "unixpacket").
// Thread safety: as conn.
class unix_conn : public conn {
 public:
  unix_conn() noexcept = default;

  // Moves c into a unix_conn if it is a Unix-domain socket; otherwise returns nullopt and
  // leaves c as it was (Go: c.(*net.UnixConn)). Blocks: never.
  [[nodiscard]] static std::optional<unix_conn> try_from(conn& c) noexcept;

  // Sends data with copies of the open descriptors fds attached (SCM_RIGHTS). The
  // descriptors travel with the first byte of data; the caller keeps its own fds open.
  // Blocks: as write. Errors: std::errc::invalid_argument (data is empty, or more than 253
  //         fds), errc::closed, errc::timeout (n bytes went out; the fds went with the first
  //         byte if n > 0), EBADF (an fd is not open), ETOOMANYREFS, or another errno.
  io_result send_fds(std::span<const std::byte> data, std::span<const int> fds) noexcept;
  io_result send_fds(std::string_view data, std::span<const int> fds) noexcept {
    return send_fds(std::as_bytes(std::span<const char>(data.data(), data.size())), fds);
  }

  // Reads up to buf.size() bytes and up to max_fds descriptors sent with them. The
  // descriptors come O_CLOEXEC and owned.
  // Blocks: as read.
  // Errors: std::errc::invalid_argument (buf is empty), errc::eof, errc::closed,
  //         errc::timeout, an errno; or errc::message_too_large: the peer sent more
  //         descriptors than max_fds (the first max_fds are in fds, the kernel closed the
  //         rest) or, on a datagram socket, a longer message than buf; n and fds then hold
  //         what did arrive.
  [[nodiscard]] recv_fds_result recv_fds(std::span<std::byte> buf,
                                         std::size_t max_fds = 16) noexcept;

  // The credentials of the peer process (SO_PEERCRED). Blocks: never.
  // Errors: errc::closed, or an errno (ENOTCONN for an unconnected datagram socket).
  [[nodiscard]] result<credentials> peer_credentials() const noexcept;

  // Half-close, as tcp_conn's (Go: UnixConn.CloseRead / CloseWrite).
  // Blocks: never. Errors: errc::closed, ENOTCONN.
  result<void> close_read() noexcept;
  result<void> close_write() noexcept;
};

// A connected pair of Unix sockets (socketpair(2)) on network "unix" (stream),
// "unixgram" or "unixpacket"; both unnamed, SOCK_NONBLOCK | SOCK_CLOEXEC. To hand one end to
// a child process, dup2 it onto the child's fd in posix_spawn's file actions (which clears
// O_CLOEXEC on the copy) — conn::dup_fd gives a number to dup2 — and wrap it there with
// file_conn.
// Blocks: never.
// Errors: std::errc::invalid_argument (another network), or socketpair's errno (EMFILE).
[[nodiscard]] result<std::pair<unix_conn, unix_conn>> unix_socket_pair(
    std::string_view network = "unix");

}  // namespace conduit::net

#endif  // CONDUIT_NET_UNIX_CONN_HPP
