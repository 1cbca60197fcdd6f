// The socket state and I/O shared by every net:: handle. Every system call on a socket's fd
// runs inside the poll descriptor (pfd.io / write / control), which retries EINTR, waits
// on EAGAIN, applies deadlines and close, and keeps the number alive for the call.
#include "net/socket.hpp"

#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <conduit/runtime/parking_lot.hpp>
#include <cstddef>
#include <cstring>

namespace conduit::net::internal {

std::string_view network_name(kind k) noexcept {
  switch (k) {
    case kind::tcp:
      return "tcp";
    case kind::udp:
      return "udp";
    case kind::unix_stream:
      return "unix";
    case kind::unix_dgram:
      return "unixgram";
    case kind::unix_seqpacket:
      return "unixpacket";
  }
  return {};
}

bool is_unix(kind k) noexcept {
  return k == kind::unix_stream || k == kind::unix_dgram || k == kind::unix_seqpacket;
}

result<sockaddr_any> ip_sockaddr(const ip& a, std::uint16_t port, int family) {
  sockaddr_any out;
  if (family == AF_INET) {
    if (a.is_valid() && !a.unmap().is_v4()) {
      return fail(std::make_error_code(std::errc::address_family_not_supported));
    }
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    if (a.is_valid()) std::memcpy(&sin.sin_addr, a.unmap().bytes().data(), 4);
    std::memcpy(&out.ss, &sin, sizeof sin);
    out.len = sizeof sin;
    return out;
  }
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(port);
  if (a.is_v4()) {
    sin6.sin6_addr.s6_addr[10] = 0xff;
    sin6.sin6_addr.s6_addr[11] = 0xff;
    std::memcpy(&sin6.sin6_addr.s6_addr[12], a.bytes().data(), 4);
  } else if (a.is_v6()) {
    std::memcpy(&sin6.sin6_addr, a.bytes().data(), 16);
    if (!a.zone().empty()) {
      const std::string& z = a.zone();
      bool digits = z.find_first_not_of("0123456789") == std::string::npos;
      unsigned idx = digits ? static_cast<unsigned>(std::strtoul(z.c_str(), nullptr, 10))
                            : ::if_nametoindex(z.c_str());
      if (idx == 0) return fail_errno(ENXIO);
      sin6.sin6_scope_id = idx;
    }
  }
  std::memcpy(&out.ss, &sin6, sizeof sin6);
  out.len = sizeof sin6;
  return out;
}

result<sockaddr_any> unix_sockaddr(std::string_view name) {
  sockaddr_any out;
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  if (name.empty()) {
    out.len = sizeof(sa_family_t);
    std::memcpy(&out.ss, &sun, sizeof sun);
    return out;
  }
  if (name.size() > sizeof(sun.sun_path) - 1) {
    return fail(std::make_error_code(std::errc::filename_too_long));
  }
  std::memcpy(sun.sun_path, name.data(), name.size());
  if (name[0] == '@') {
    sun.sun_path[0] = '\0';  // abstract: the length, not a NUL, ends the name
    out.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
  } else {
    out.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + 1);
  }
  std::memcpy(&out.ss, &sun, sizeof sun);
  return out;
}

net::addr to_addr(const sockaddr_any& sa, kind k) {
  if (sa.len < sizeof(sa_family_t)) {
    if (is_unix(k)) return unix_addr{"", std::string(network_name(k))};
    return {};
  }
  ip a;
  std::uint16_t port = 0;
  switch (sa.ss.ss_family) {
    case AF_INET: {
      sockaddr_in sin;
      std::memcpy(&sin, &sa.ss, sizeof sin);
      a = ip::from_v4_bytes(std::span<const std::uint8_t, 4>(
          reinterpret_cast<const std::uint8_t*>(&sin.sin_addr), 4));
      port = ntohs(sin.sin_port);
      break;
    }
    case AF_INET6: {
      sockaddr_in6 sin6;
      std::memcpy(&sin6, &sa.ss, sizeof sin6);
      std::string zone;
      if (sin6.sin6_scope_id != 0) {
        char name[IF_NAMESIZE];
        zone = ::if_indextoname(sin6.sin6_scope_id, name) != nullptr
                   ? std::string(name)
                   : std::to_string(sin6.sin6_scope_id);
      }
      a = ip::from_v6_bytes(std::span<const std::uint8_t, 16>(sin6.sin6_addr.s6_addr, 16), zone)
              .unmap();
      port = ntohs(sin6.sin6_port);
      break;
    }
    case AF_UNIX: {
      sockaddr_un sun;
      std::memcpy(&sun, &sa.ss, sizeof sun);
      std::size_t n = sa.len - offsetof(sockaddr_un, sun_path);
      std::string name;
      if (n > 0 && sun.sun_path[0] == '\0') {
        name.assign(sun.sun_path, n);
        name[0] = '@';
      } else if (n > 0) {
        name.assign(sun.sun_path, ::strnlen(sun.sun_path, n));
      }
      return unix_addr{std::move(name), std::string(network_name(k))};
    }
    default:
      return {};
  }
  if (k == kind::udp) return udp_addr{a, port};
  return tcp_addr{a, port};
}

net::addr local_addr_of(int fd, kind k) {
  sockaddr_any sa;
  sa.len = sizeof sa.ss;
  if (::getsockname(fd, sa.get(), &sa.len) != 0) return {};
  return to_addr(sa, k);
}

net::addr remote_addr_of(int fd, kind k) {
  sockaddr_any sa;
  sa.len = sizeof sa.ss;
  if (::getpeername(fd, sa.get(), &sa.len) != 0) {
    if (is_unix(k)) return unix_addr{"", std::string(network_name(k))};
    return {};
  }
  return to_addr(sa, k);
}

result<unique_fd> open_socket(int family, int type) noexcept {
  int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail_errno(errno);
  return unique_fd(fd);
}

bool kind_of(int family, int type, kind& out) noexcept {
  if (family == AF_INET || family == AF_INET6) {
    if (type == SOCK_STREAM) return out = kind::tcp, true;
    if (type == SOCK_DGRAM) return out = kind::udp, true;
    return false;
  }
  if (family == AF_UNIX) {
    if (type == SOCK_STREAM) return out = kind::unix_stream, true;
    if (type == SOCK_DGRAM) return out = kind::unix_dgram, true;
    if (type == SOCK_SEQPACKET) return out = kind::unix_seqpacket, true;
  }
  return false;
}

void apply_tcp_defaults(int fd, std::chrono::nanoseconds keep_alive) noexcept {
  int one = 1;
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (keep_alive < std::chrono::nanoseconds::zero()) return;
  if (keep_alive == std::chrono::nanoseconds::zero()) keep_alive = std::chrono::seconds(15);
  int secs = static_cast<int>(std::chrono::ceil<std::chrono::seconds>(keep_alive).count());
  (void)::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &secs, sizeof secs);
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &secs, sizeof secs);
}

result<std::size_t> sock_read(socket& s, std::span<std::byte> buf) noexcept {
  if (buf.empty()) return std::size_t{0};
  const int fd = s.fd;
  if (s.type == SOCK_STREAM) {
    auto r = s.pfd.io(runtime::poll_fd::side::read,
                      [&] { return ::recv(fd, buf.data(), buf.size(), 0); });
    if (r && *r == 0) return fail(errc::eof);
    return r;
  }
  // One message per call; MSG_TRUNC makes recv return its full length.
  auto r = s.pfd.io(runtime::poll_fd::side::read,
                    [&] { return ::recv(fd, buf.data(), buf.size(), MSG_TRUNC); });
  if (!r) return r;
  if (*r == 0 && s.type == SOCK_SEQPACKET) return fail(errc::eof);  // Go's ZeroReadIsEOF
  if (*r > buf.size()) return fail(errc::message_too_large);
  return r;
}

io_result sock_write(socket& s, std::span<const std::byte> buf) noexcept {
  const int fd = s.fd;
  if (!s.datagram() && s.type != SOCK_SEQPACKET) {
    return s.pfd.write(buf, [fd](std::span<const std::byte> rest) {
      return ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
    });
  }
  // One message, whole or not at all (an empty one too, as Go's UDP Write).
  auto r = s.pfd.io(runtime::poll_fd::side::write,
                    [&] { return ::send(fd, buf.data(), buf.size(), MSG_NOSIGNAL); });
  if (!r) return {0, r.error()};
  return {*r, {}};
}

packet_result sock_read_from(socket& s, std::span<std::byte> buf) noexcept {
  packet_result out;
  const int fd = s.fd;
  sockaddr_any from;
  auto r = s.pfd.io(runtime::poll_fd::side::read, [&] {
    from.len = sizeof from.ss;
    return ::recvfrom(fd, buf.data(), buf.size(), MSG_TRUNC, from.get(), &from.len);
  });
  if (!r) {
    out.err = r.error();
    return out;
  }
  out.from = to_addr(from, s.knd);
  if (*r > buf.size()) {
    out.n = buf.size();
    out.err = make_error_code(errc::message_too_large);
  } else {
    out.n = *r;
  }
  return out;
}

io_result sock_write_to(socket& s, std::span<const std::byte> buf, const net::addr& to) noexcept {
  result<sockaddr_any> sa = fail(std::make_error_code(std::errc::invalid_argument));
  if (s.knd == kind::udp) {
    if (const udp_addr* u = to.as_udp()) sa = ip_sockaddr(u->ip, u->port, s.family);
  } else if (is_unix(s.knd)) {
    if (const unix_addr* u = to.as_unix(); u != nullptr && !u->name.empty()) {
      sa = unix_sockaddr(u->name);
    }
  }
  if (!sa) return {0, sa.error()};
  const int fd = s.fd;
  auto r = s.pfd.io(runtime::poll_fd::side::write, [&] {
    return ::sendto(fd, buf.data(), buf.size(), MSG_NOSIGNAL, sa->get(), sa->len);
  });
  if (!r) return {0, r.error()};
  return {*r, {}};
}

result<void> sock_close(socket& s) noexcept {
  if (s.closed.exchange(true, std::memory_order_acq_rel)) return fail(errc::closed);
  // Wake an accept that is backing off from EMFILE; it sees the poll descriptor closing.
  s.wake_epoch.fetch_add(1, std::memory_order_seq_cst);
  runtime::unpark_all(&s.wake_epoch);
  if (!s.unlink_path.empty()) {
    // Remove the file first (no new client can connect), and only if it is still ours.
    struct stat st {};
    if (::lstat(s.unlink_path.c_str(), &st) == 0 && st.st_dev == s.unlink_dev &&
        st.st_ino == s.unlink_ino) {
      ::unlink(s.unlink_path.c_str());
    }
  }
  return s.pfd.close();
}

result<void> sock_setopt(socket& s, int level, int name, const void* val, socklen_t len) noexcept {
  const int fd = s.fd;
  auto r =
      s.pfd.control([&] { return static_cast<ssize_t>(::setsockopt(fd, level, name, val, len)); });
  if (!r) return fail(r.error());
  return {};
}

result<void> sock_setopt_int(socket& s, int level, int name, int val) noexcept {
  return sock_setopt(s, level, name, &val, sizeof val);
}

result<void> sock_shutdown(socket& s, int how) noexcept {
  const int fd = s.fd;
  auto r = s.pfd.control([&] { return static_cast<ssize_t>(::shutdown(fd, how)); });
  if (!r) return fail(r.error());
  return {};
}

}  // namespace conduit::net::internal
