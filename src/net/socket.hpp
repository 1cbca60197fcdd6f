// The state behind every net:: handle (conn and its kinds, listener, packet_conn): one
// poll descriptor plus what the socket is and where it is bound. Private to src/net.
//
// Invariants: fd equals pfd's number for the socket's whole life and is passed to the
// kernel only inside pfd.io / pfd.write / pfd.control / pfd.wait_ready (which hold an
// in-flight reference, so the number cannot be closed and reused under the call); local,
// remote and the listener fields are written before the socket is handed to its public
// object and never after, so any thread may read them.
#ifndef CONDUIT_SRC_NET_SOCKET_HPP
#define CONDUIT_SRC_NET_SOCKET_HPP

#include <sys/socket.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <conduit/fd.hpp>
#include <conduit/net/addr.hpp>
#include <conduit/net/conn.hpp>
#include <conduit/net/listener.hpp>
#include <conduit/net/packet_conn.hpp>
#include <conduit/result.hpp>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "runtime/poll_fd.hpp"

namespace conduit::net::internal {

enum class kind : std::uint8_t { tcp, udp, unix_stream, unix_dgram, unix_seqpacket };

[[nodiscard]] std::string_view network_name(kind k) noexcept;
[[nodiscard]] bool is_unix(kind k) noexcept;

struct socket {
  socket(unique_fd f, int fam, int typ, kind k) noexcept
      : pfd(std::move(f)), fd(pfd.fd()), family(fam), type(typ), knd(k) {}

  runtime::poll_fd pfd;
  const int fd;
  const int family;  // AF_INET, AF_INET6, AF_UNIX
  const int type;    // SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET
  const kind knd;
  net::addr local, remote;

  // Listeners and bound Unix sockets: the file to remove on close, if it is still this
  // inode. Empty: nothing to remove.
  std::string unlink_path;
  dev_t unlink_dev = 0;
  ino_t unlink_ino = 0;
  // Listeners: keep-alive for accepted TCP conns (zero: 15 s, negative: off).
  std::chrono::nanoseconds keep_alive{0};
  // Listeners: bumped by close() and set_deadline() to wake an accept that is backing off.
  std::atomic<std::uint32_t> wake_epoch{0};
  std::atomic<bool> closed{false};

  [[nodiscard]] bool datagram() const noexcept { return type == SOCK_DGRAM; }
};

// Gives src/net the handles' socket pointers.
struct access {
  static std::unique_ptr<socket>& ptr(conn& c) noexcept { return c.s_; }
  static std::unique_ptr<socket>& ptr(listener& l) noexcept { return l.s_; }
  static std::unique_ptr<socket>& ptr(packet_conn& p) noexcept { return p.s_; }
  static socket* get(const conn& c) noexcept { return c.s_.get(); }
  static socket* get(const listener& l) noexcept { return l.s_.get(); }
  static socket* get(const packet_conn& p) noexcept { return p.s_.get(); }
  template <class T>
  static T make(std::unique_ptr<socket> s) noexcept {
    T t;
    ptr(t) = std::move(s);
    return t;
  }
};

// A socket address of any family.
struct sockaddr_any {
  sockaddr_storage ss{};
  socklen_t len = 0;
  [[nodiscard]] const sockaddr* get() const noexcept {
    return reinterpret_cast<const sockaddr*>(&ss);
  }
  [[nodiscard]] sockaddr* get() noexcept { return reinterpret_cast<sockaddr*>(&ss); }
};

// a:port for a socket of `family` (AF_INET or AF_INET6; an IPv4 address on an AF_INET6
// socket becomes IPv4-mapped). An invalid a is the unspecified address.
// Errors: std::errc::address_family_not_supported (IPv6 address, AF_INET socket),
//         ENXIO (unknown zone).
[[nodiscard]] result<sockaddr_any> ip_sockaddr(const ip& a, std::uint16_t port, int family);
// A Unix address: a path, "@name" (abstract), or "" (autobind: the family alone).
// Errors: std::errc::filename_too_long.
[[nodiscard]] result<sockaddr_any> unix_sockaddr(std::string_view name);
// The net::addr of sa, for a socket of kind k (IPv4-mapped addresses unmapped).
[[nodiscard]] net::addr to_addr(const sockaddr_any& sa, kind k);
// getsockname / getpeername as net::addr (empty on failure).
[[nodiscard]] net::addr local_addr_of(int fd, kind k);
[[nodiscard]] net::addr remote_addr_of(int fd, kind k);

// socket(2) with SOCK_NONBLOCK | SOCK_CLOEXEC.
[[nodiscard]] result<unique_fd> open_socket(int family, int type) noexcept;
// The kind of a socket of this family and type; false if it is none of net::'s.
[[nodiscard]] bool kind_of(int family, int type, kind& out) noexcept;
// TCP defaults, as Go: TCP_NODELAY on; keep-alive on with the period (zero: 15 s), or off
// when negative. Errors are ignored, as Go ignores them for keep-alive.
void apply_tcp_defaults(int fd, std::chrono::nanoseconds keep_alive) noexcept;

// The I/O of every handle.
[[nodiscard]] result<std::size_t> sock_read(socket& s, std::span<std::byte> buf) noexcept;
io_result sock_write(socket& s, std::span<const std::byte> buf) noexcept;
[[nodiscard]] packet_result sock_read_from(socket& s, std::span<std::byte> buf) noexcept;
io_result sock_write_to(socket& s, std::span<const std::byte> buf, const net::addr& to) noexcept;
// Closes (once): removes the Unix socket file if this socket created it, wakes waiters.
result<void> sock_close(socket& s) noexcept;
result<void> sock_setopt(socket& s, int level, int name, const void* val, socklen_t len) noexcept;
result<void> sock_setopt_int(socket& s, int level, int name, int val) noexcept;
result<void> sock_shutdown(socket& s, int how) noexcept;

// The error of a call on an empty handle.
[[nodiscard]] inline std::error_code closed_error() noexcept {
  return make_error_code(errc::closed);
}

}  // namespace conduit::net::internal

#endif  // CONDUIT_SRC_NET_SOCKET_HPP
