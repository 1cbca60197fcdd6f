// listen, listen_config, listener, and the binding shared with listen_packet.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <conduit/net/listener.hpp>
#include <conduit/runtime/parking_lot.hpp>
#include <cstdio>

#include "net/errors.hpp"
#include "net/resolver.hpp"
#include "net/socket.hpp"

namespace conduit::net {
namespace {

using namespace std::chrono_literals;
using internal::kind;
using internal::sockaddr_any;
using side = runtime::poll_fd::side;

int default_backlog() {
  static const int v = [] {
    int n = SOMAXCONN;
    if (FILE* f = std::fopen("/proc/sys/net/core/somaxconn", "re")) {
      int x = 0;
      if (std::fscanf(f, "%d", &x) == 1 && x > 0) n = std::min(x, 65535);
      std::fclose(f);
    }
    return n;
  }();
  return v;
}

// Whether this machine can bind an IPv6 socket (Go: supportsIPv6).
bool ipv6_available() {
  static const bool v = [] {
    int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_addr = in6addr_loopback;
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&sin6), sizeof sin6) == 0;
    ::close(fd);
    return ok;
  }();
  return v;
}

// Socket + options + bind for an IP network; the caller listens (or not, for datagrams).
result<std::unique_ptr<internal::socket>, op_error> bind_ip(std::string_view network,
                                                            const internal::ip_network& n,
                                                            std::string_view address) {
  auto eps = internal::resolve_endpoints(n, address, deadline::never());
  if (!eps) return unexpected(internal::wrap_error("listen", network, "", "", eps.error()));
  ip a;
  int family;
  bool v6only = true;
  if (eps->ips.empty()) {  // every interface
    if (n.family == AF_INET || (n.family == AF_UNSPEC && !ipv6_available())) {
      a = ip::v4_unspecified(), family = AF_INET;
    } else {
      a = ip::v6_unspecified(), family = AF_INET6;
      v6only = n.family == AF_INET6;  // "tcp"/"udp": dual-stack
    }
  } else {
    a = eps->ips.front();
    if (n.family == AF_UNSPEC) {  // a name with both: IPv4 first, as Go
      for (auto& x : eps->ips) {
        if (x.is_v4()) {
          a = x;
          break;
        }
      }
    }
    family = a.is_v4() ? AF_INET : AF_INET6;
  }
  const kind k = n.udp ? kind::udp : kind::tcp;
  std::string where =
      n.udp ? udp_addr{a, eps->port}.to_string() : tcp_addr{a, eps->port}.to_string();
  auto err = [&](std::error_code ec, const char* syscall) {
    return unexpected(internal::make_error("listen", network, "", where, ec, syscall));
  };
  auto sa = internal::ip_sockaddr(a, eps->port, family);
  if (!sa) return err(sa.error(), "bind");
  auto fd = internal::open_socket(family, n.socktype);
  if (!fd) return err(fd.error(), "socket");
  int one = 1;
  if (family == AF_INET6) {
    int v = v6only ? 1 : 0;
    (void)::setsockopt(fd->get(), IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof v);
  }
  if (n.udp) {
    (void)::setsockopt(fd->get(), SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
  } else {
    (void)::setsockopt(fd->get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  }
  if (::bind(fd->get(), sa->get(), sa->len) != 0) return err(errno_code(errno), "bind");
  return std::make_unique<internal::socket>(std::move(*fd), family, n.socktype, k);
}

// Why bind(2) said EADDRINUSE for a Unix path, for the error text.
std::string explain_in_use(const std::string& path, int type) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return {};
  if (!S_ISSOCK(st.st_mode)) return " (the path exists and is not a socket)";
  int probe = ::socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (probe < 0) return {};
  auto sa = internal::unix_sockaddr(path);
  int rc = sa ? ::connect(probe, sa->get(), sa->len) : -1;
  int e = errno;
  ::close(probe);
  if (rc == 0 || e == EAGAIN || e == EINPROGRESS) {
    return " (another socket is listening on it)";
  }
  if (e == ECONNREFUSED) {
    return " (a stale socket file: nothing accepts on it; remove it first)";
  }
  return {};
}

// Socket + bind (+ chmod) for a Unix network; records the file to remove on close.
result<std::unique_ptr<internal::socket>, op_error> bind_unix(const listen_config& cfg,
                                                              std::string_view network, int type,
                                                              kind k, std::string_view address) {
  std::string path(address);
  if (address.size() > 107) {
    return unexpected(op_error("listen", std::string(network), "", path,
                               std::make_error_code(std::errc::filename_too_long),
                               "path too long (" + std::to_string(address.size()) +
                                   " bytes; a Unix socket address holds at most 107)"));
  }
  auto err = [&](std::error_code ec, std::string cause) {
    return unexpected(op_error("listen", std::string(network), "", path, ec, std::move(cause)));
  };
  auto sa = internal::unix_sockaddr(address);
  if (!sa) return err(sa.error(), "bind: " + internal::go_text(sa.error()));
  auto fd = internal::open_socket(AF_UNIX, type);
  if (!fd) return err(fd.error(), "socket: " + internal::go_text(fd.error()));
  if (::bind(fd->get(), sa->get(), sa->len) != 0) {
    int e = errno;
    std::string cause = "bind: " + internal::go_text(errno_code(e));
    if (e == EADDRINUSE && !path.empty() && path[0] != '@') cause += explain_in_use(path, type);
    return err(errno_code(e), std::move(cause));
  }
  bool file = !path.empty() && path[0] != '@';
  auto s = std::make_unique<internal::socket>(std::move(*fd), AF_UNIX, type, k);
  if (file) {
    if (::chmod(path.c_str(), static_cast<mode_t>(cfg.unix_mode)) != 0) {
      int e = errno;
      ::unlink(path.c_str());
      return err(errno_code(e), "chmod: " + internal::go_text(errno_code(e)));
    }
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
      s->unlink_dev = st.st_dev;
      s->unlink_ino = st.st_ino;
      s->unlink_path = path;  // removed by close(), or below if listen fails
    }
  }
  return s;
}

void remove_created_file(internal::socket& s) {
  if (!s.unlink_path.empty()) ::unlink(s.unlink_path.c_str());
}

}  // namespace

// listener

listener::listener() noexcept = default;
listener::listener(listener&&) noexcept = default;
listener& listener::operator=(listener&& o) noexcept {
  if (this != &o) {
    if (s_) (void)internal::sock_close(*s_);
    s_ = std::move(o.s_);
  }
  return *this;
}
listener::~listener() {
  if (s_) (void)internal::sock_close(*s_);
}

result<conn> listener::accept() noexcept {
  if (!s_) return fail(internal::closed_error());
  internal::socket& s = *s_;
  auto backoff = std::chrono::duration_cast<clock::duration>(5ms);
  constexpr auto kMaxBackoff = std::chrono::duration_cast<clock::duration>(1s);
  for (;;) {
    sockaddr_any peer;
    auto r = s.pfd.io(side::read, [&] {
      peer.len = sizeof peer.ss;
      return static_cast<ssize_t>(
          ::accept4(s.fd, peer.get(), &peer.len, SOCK_NONBLOCK | SOCK_CLOEXEC));
    });
    if (r) {
      auto c = std::make_unique<internal::socket>(unique_fd(static_cast<int>(*r)), s.family, s.type,
                                                  s.knd);
      if (s.knd == kind::tcp) internal::apply_tcp_defaults(c->fd, s.keep_alive);
      // The local address is the listener's (its path, for Unix), unless it listens on a
      // wildcard address (then the kernel picked one): save the getsockname(2) when known.
      const tcp_addr* ta = s.local.as_tcp();
      bool known = internal::is_unix(s.knd) || (ta != nullptr && !ta->ip.is_unspecified());
      c->local = known ? s.local : internal::local_addr_of(c->fd, s.knd);
      c->remote = internal::to_addr(peer, s.knd);
      return internal::access::make<conn>(std::move(c));
    }
    const std::error_code e = r.error();
    // The errno, compared without calling into the error category: this path runs while the
    // process has no fd to spare, where even a sanitizer's type check of a polymorphic call
    // can fail.
    const int en = &e.category() == &std::system_category() ? e.value() : 0;
    if (en == ECONNABORTED) continue;
    if (en != EMFILE && en != ENFILE && en != ENOBUFS && en != ENOMEM) return fail(e);
    // Out of descriptors (or memory): the connection stays in the backlog. Back off without
    // spinning; close() and set_deadline() bump wake_epoch to end the wait early.
    const std::uint32_t epoch = s.wake_epoch.load(std::memory_order_seq_cst);
    if (s.closed.load(std::memory_order_seq_cst)) return fail(errc::closed);
    deadline dl = s.pfd.get_deadline(side::read);
    if (dl.passed()) return fail(errc::timeout);
    deadline wake = deadline::earlier(deadline(clock::now() + backoff), dl);
    runtime::park_on(
        &s.wake_epoch,
        [&] {
          return s.wake_epoch.load(std::memory_order_seq_cst) == epoch &&
                 !s.closed.load(std::memory_order_seq_cst);
        },
        wake);
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

result<void> listener::close() noexcept {
  if (!s_) return fail(internal::closed_error());
  return internal::sock_close(*s_);
}

const net::addr& listener::addr() const noexcept {
  static const net::addr none;
  return s_ ? s_->local : none;
}

void listener::set_deadline(deadline d) noexcept {
  if (!s_) return;
  s_->pfd.set_deadline(side::read, d);
  s_->wake_epoch.fetch_add(1, std::memory_order_seq_cst);
  runtime::unpark_all(&s_->wake_epoch);
}

std::string_view listener::network() const noexcept {
  return s_ ? internal::network_name(s_->knd) : std::string_view{};
}

// listen_config

result<listener, op_error> listen_config::listen(std::string_view network,
                                                 std::string_view address) const {
  const int bl = backlog > 0 ? backlog : default_backlog();
  internal::ip_network n;
  std::unique_ptr<internal::socket> s;
  if (internal::parse_ip_network(network, n) && !n.udp) {
    auto b = bind_ip(network, n, address);
    if (!b) return unexpected(std::move(b).error());
    s = std::move(*b);
    s->keep_alive = keep_alive;
  } else if (network == "unix" || network == "unixpacket") {
    const bool stream = network == "unix";
    auto b = bind_unix(*this, network, stream ? SOCK_STREAM : SOCK_SEQPACKET,
                       stream ? kind::unix_stream : kind::unix_seqpacket, address);
    if (!b) return unexpected(std::move(b).error());
    s = std::move(*b);
    if (!unix_unlink_on_close) s->unlink_path.clear();
  } else {
    return unexpected(internal::unknown_network("listen", network));
  }
  if (::listen(s->fd, bl) != 0) {
    int e = errno;
    remove_created_file(*s);
    s->unlink_path.clear();
    return unexpected(
        internal::make_error("listen", network, "", std::string(address), errno_code(e), "listen"));
  }
  s->local = internal::local_addr_of(s->fd, s->knd);
  return internal::access::make<listener>(std::move(s));
}

result<packet_conn, op_error> listen_config::listen_packet(std::string_view network,
                                                           std::string_view address) const {
  internal::ip_network n;
  std::unique_ptr<internal::socket> s;
  if (internal::parse_ip_network(network, n) && n.udp) {
    auto b = bind_ip(network, n, address);
    if (!b) return unexpected(std::move(b).error());
    s = std::move(*b);
  } else if (network == "unixgram") {
    auto b = bind_unix(*this, network, SOCK_DGRAM, kind::unix_dgram, address);
    if (!b) return unexpected(std::move(b).error());
    s = std::move(*b);
    if (!unix_unlink_on_close) s->unlink_path.clear();
  } else {
    return unexpected(internal::unknown_network("listen", network));
  }
  s->local = internal::local_addr_of(s->fd, s->knd);
  return internal::access::make<packet_conn>(std::move(s));
}

result<listener, op_error> listen(std::string_view network, std::string_view address) {
  return listen_config{}.listen(network, address);
}

result<packet_conn, op_error> listen_packet(std::string_view network, std::string_view address) {
  return listen_config{}.listen_packet(network, address);
}

}  // namespace conduit::net
