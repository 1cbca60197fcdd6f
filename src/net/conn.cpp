// conn, tcp_conn, unix_conn, udp_conn, file_conn, unix_socket_pair: thin faces over the
// socket state (socket.hpp); the I/O loops are the poll descriptor's.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <conduit/net/conn.hpp>
#include <conduit/net/tcp_conn.hpp>
#include <conduit/net/udp_conn.hpp>
#include <conduit/net/unix_conn.hpp>
#include <cstring>

#include "net/socket.hpp"

namespace conduit::net {

using internal::access;
using internal::closed_error;
using internal::kind;
using side = runtime::poll_fd::side;

namespace {

const net::addr& empty_addr() {
  static const net::addr a;
  return a;
}

constexpr std::size_t kMaxFds = 253;  // SCM_MAX_FD

}  // namespace

conn::conn() noexcept = default;
conn::conn(conn&&) noexcept = default;
conn& conn::operator=(conn&&) noexcept = default;
conn::~conn() = default;

result<std::size_t> conn::read(std::span<std::byte> buf) noexcept {
  if (!s_) return fail(closed_error());
  return internal::sock_read(*s_, buf);
}

io_result conn::write(std::span<const std::byte> buf) noexcept {
  if (!s_) return {0, closed_error()};
  return internal::sock_write(*s_, buf);
}

result<void> conn::close() noexcept {
  if (!s_) return fail(closed_error());
  return internal::sock_close(*s_);
}

const net::addr& conn::local_addr() const noexcept { return s_ ? s_->local : empty_addr(); }
const net::addr& conn::remote_addr() const noexcept { return s_ ? s_->remote : empty_addr(); }

void conn::set_deadline(deadline d) noexcept {
  if (s_) s_->pfd.set_deadline(d);
}
void conn::set_read_deadline(deadline d) noexcept {
  if (s_) s_->pfd.set_deadline(side::read, d);
}
void conn::set_write_deadline(deadline d) noexcept {
  if (s_) s_->pfd.set_deadline(side::write, d);
}

result<unique_fd> conn::dup_fd() const noexcept {
  if (!s_) return fail(closed_error());
  const int fd = s_->fd;
  auto r = s_->pfd.control([&] { return static_cast<ssize_t>(::fcntl(fd, F_DUPFD_CLOEXEC, 0)); });
  if (!r) return fail(r.error());
  return unique_fd(static_cast<int>(*r));
}

std::string_view conn::network() const noexcept {
  return s_ ? internal::network_name(s_->knd) : std::string_view{};
}

result<conn> file_conn(unique_fd fd) {
  int family = 0, type = 0;
  socklen_t len = sizeof family;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_DOMAIN, &family, &len) != 0) return fail_errno(errno);
  len = sizeof type;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_TYPE, &type, &len) != 0) return fail_errno(errno);
  kind k;
  if (!internal::kind_of(family, type, k)) return fail_errno(EAFNOSUPPORT);
  auto s = std::make_unique<internal::socket>(std::move(fd), family, type, k);
  s->local = internal::local_addr_of(s->fd, k);
  s->remote = internal::remote_addr_of(s->fd, k);
  return access::make<conn>(std::move(s));
}

// tcp_conn

std::optional<tcp_conn> tcp_conn::try_from(conn& c) noexcept {
  internal::socket* s = access::get(c);
  if (s == nullptr || s->knd != kind::tcp) return std::nullopt;
  return access::make<tcp_conn>(std::move(access::ptr(c)));
}

result<void> tcp_conn::close_read() noexcept {
  if (!s_) return fail(closed_error());
  return internal::sock_shutdown(*s_, SHUT_RD);
}

result<void> tcp_conn::close_write() noexcept {
  if (!s_) return fail(closed_error());
  return internal::sock_shutdown(*s_, SHUT_WR);
}

result<void> tcp_conn::set_no_delay(bool no_delay) noexcept {
  if (!s_) return fail(closed_error());
  return internal::sock_setopt_int(*s_, IPPROTO_TCP, TCP_NODELAY, no_delay ? 1 : 0);
}

result<void> tcp_conn::set_keep_alive(bool on) noexcept {
  if (!s_) return fail(closed_error());
  return internal::sock_setopt_int(*s_, SOL_SOCKET, SO_KEEPALIVE, on ? 1 : 0);
}

result<void> tcp_conn::set_keep_alive_period(std::chrono::nanoseconds period) noexcept {
  if (!s_) return fail(closed_error());
  auto secs = std::chrono::ceil<std::chrono::seconds>(period).count();
  int v = static_cast<int>(secs < 1 ? 1 : secs > INT_MAX ? INT_MAX : secs);
  if (auto r = internal::sock_setopt_int(*s_, IPPROTO_TCP, TCP_KEEPIDLE, v); !r) return r;
  return internal::sock_setopt_int(*s_, IPPROTO_TCP, TCP_KEEPINTVL, v);
}

result<void> tcp_conn::set_linger(int sec) noexcept {
  if (!s_) return fail(closed_error());
  ::linger l{};
  l.l_onoff = sec >= 0 ? 1 : 0;
  l.l_linger = sec >= 0 ? sec : 0;
  return internal::sock_setopt(*s_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

// udp_conn

std::optional<udp_conn> udp_conn::try_from(conn& c) noexcept {
  internal::socket* s = access::get(c);
  if (s == nullptr || s->knd != kind::udp) return std::nullopt;
  return access::make<udp_conn>(std::move(access::ptr(c)));
}

packet_result udp_conn::read_from(std::span<std::byte> buf) noexcept {
  if (!s_) return {0, {}, closed_error()};
  return internal::sock_read_from(*s_, buf);
}

// unix_conn

std::optional<unix_conn> unix_conn::try_from(conn& c) noexcept {
  internal::socket* s = access::get(c);
  if (s == nullptr || !internal::is_unix(s->knd)) return std::nullopt;
  return access::make<unix_conn>(std::move(access::ptr(c)));
}

io_result unix_conn::send_fds(std::span<const std::byte> data, std::span<const int> fds) noexcept {
  if (!s_) return {0, closed_error()};
  if (data.empty() || fds.size() > kMaxFds) {
    return {0, std::make_error_code(std::errc::invalid_argument)};
  }
  const int fd = s_->fd;
  // The control message rides on the first sendmsg; the rest of data, if the kernel took
  // only part of it, follows with plain sends, all under the write side of the poll
  // descriptor so no other write comes between.
  alignas(cmsghdr) char control[CMSG_SPACE(kMaxFds * sizeof(int))];
  bool first = true;
  auto op = [&](std::span<const std::byte> rest) -> ssize_t {
    if (!first) return ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
    iovec iov{const_cast<std::byte*>(rest.data()), rest.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (!fds.empty()) {
      std::memset(control, 0, sizeof control);
      msg.msg_control = control;
      msg.msg_controllen = CMSG_SPACE(fds.size() * sizeof(int));
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
      std::memcpy(CMSG_DATA(c), fds.data(), fds.size() * sizeof(int));
    }
    ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n > 0) first = false;
    return n;
  };
  if (s_->type != SOCK_STREAM) {
    auto r = s_->pfd.io(side::write, [&] { return op(data); });
    if (!r) return {0, r.error()};
    return {*r, {}};
  }
  return s_->pfd.write(data, op);
}

recv_fds_result unix_conn::recv_fds(std::span<std::byte> buf, std::size_t max_fds) noexcept {
  recv_fds_result out;
  if (!s_) {
    out.err = closed_error();
    return out;
  }
  if (buf.empty()) {
    out.err = std::make_error_code(std::errc::invalid_argument);
    return out;
  }
  if (max_fds > kMaxFds) max_fds = kMaxFds;
  const int fd = s_->fd;
  alignas(cmsghdr) char control[CMSG_SPACE(kMaxFds * sizeof(int))];
  msghdr msg{};
  iovec iov{buf.data(), buf.size()};
  auto r = s_->pfd.io(side::read, [&] {
    msg = msghdr{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    // With max_fds == 0 there is still room for nothing: anything sent is reported.
    msg.msg_control = control;
    msg.msg_controllen = max_fds == 0 ? 0 : CMSG_SPACE(max_fds * sizeof(int));
    if (max_fds == 0) msg.msg_control = nullptr;
    return ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  });
  if (!r) {
    out.err = r.error();
    return out;
  }
  // Own every descriptor that arrived before looking at anything else: none can leak.
  if (msg.msg_controllen > 0) {
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      std::size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t i = 0; i < n; ++i) {
        int got;
        std::memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
        out.fds.emplace_back(got);
      }
    }
  }
  out.n = *r;
  bool too_many = out.fds.size() > max_fds;  // CMSG_SPACE rounds up: room for one more
  while (out.fds.size() > max_fds) out.fds.pop_back();
  if (*r == 0 && s_->type != SOCK_DGRAM) {
    out.err = make_error_code(errc::eof);
  } else if (too_many || (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) != 0) {
    out.err = make_error_code(errc::message_too_large);
  }
  return out;
}

result<credentials> unix_conn::peer_credentials() const noexcept {
  if (!s_) return fail(closed_error());
  ucred cr{};
  socklen_t len = sizeof cr;
  const int fd = s_->fd;
  auto r = s_->pfd.control(
      [&] { return static_cast<ssize_t>(::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len)); });
  if (!r) return fail(r.error());
  return credentials{cr.pid, cr.uid, cr.gid};
}

result<void> unix_conn::close_read() noexcept {
  if (!s_) return fail(closed_error());
  return internal::sock_shutdown(*s_, SHUT_RD);
}

result<void> unix_conn::close_write() noexcept {
  if (!s_) return fail(closed_error());
  return internal::sock_shutdown(*s_, SHUT_WR);
}

result<std::pair<unix_conn, unix_conn>> unix_socket_pair(std::string_view network) {
  int type;
  kind k;
  if (network == "unix") {
    type = SOCK_STREAM, k = kind::unix_stream;
  } else if (network == "unixgram") {
    type = SOCK_DGRAM, k = kind::unix_dgram;
  } else if (network == "unixpacket") {
    type = SOCK_SEQPACKET, k = kind::unix_seqpacket;
  } else {
    return fail(std::make_error_code(std::errc::invalid_argument));
  }
  int sv[2];
  if (::socketpair(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
    return fail_errno(errno);
  }
  auto a = std::make_unique<internal::socket>(unique_fd(sv[0]), AF_UNIX, type, k);
  auto b = std::make_unique<internal::socket>(unique_fd(sv[1]), AF_UNIX, type, k);
  for (auto* s : {a.get(), b.get()}) {
    s->local = unix_addr{"", std::string(internal::network_name(k))};
    s->remote = s->local;
  }
  return std::pair<unix_conn, unix_conn>(access::make<unix_conn>(std::move(a)),
                                         access::make<unix_conn>(std::move(b)));
}

}  // namespace conduit::net
