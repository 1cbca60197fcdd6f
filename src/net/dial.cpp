// dial, dial_timeout, dialer::dial: resolve, then try each address in turn within the
// deadline (Go's dialSerial with partialDeadline), connecting non-blocking and waiting for
// completion through the poll descriptor (wait_ready on the write side, bounded by the
// attempt's deadline).
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <conduit/net/dial.hpp>
#include <conduit/net/resolve.hpp>
#include <optional>

#include "net/errors.hpp"
#include "net/resolver.hpp"
#include "net/socket.hpp"

namespace conduit::net {
namespace {

using namespace std::chrono_literals;
using internal::kind;
using internal::sockaddr_any;
using side = runtime::poll_fd::side;

// An error and the system call it came from ("" for timeouts and lookups).
struct step_error {
  std::error_code code;
  const char* syscall = "";
};

conduit::deadline partial_deadline(conduit::deadline dl, std::size_t addrs_left) {
  if (dl.is_never()) return dl;
  auto now = clock::now();
  if (dl.passed_at(now)) return dl;
  auto left = dl.when() - now;
  auto share = left / static_cast<long>(addrs_left);
  constexpr auto kSaneMinimum = std::chrono::duration_cast<clock::duration>(2s);
  if (share < kSaneMinimum) share = left < kSaneMinimum ? left : kSaneMinimum;
  return conduit::deadline(now + share);
}

// Connects s to sa; waits for an asynchronous connect until dl.
result<void, step_error> connect_socket(internal::socket& s, const sockaddr_any& sa,
                                        conduit::deadline dl) {
  if (dl.passed()) return unexpected(step_error{make_error_code(errc::timeout), ""});
  // Not inside the poll descriptor's loops: EINTR must not be retried (the connect goes on
  // in the background), and the socket is not shared yet.
  if (::connect(s.fd, sa.get(), sa.len) == 0) return {};
  int e = errno;
  if (e != EINPROGRESS && e != EALREADY && e != EINTR) {
    return unexpected(step_error{errno_code(e), "connect"});
  }
  s.pfd.set_deadline(side::write, dl);
  for (;;) {
    auto w = s.pfd.wait_ready(side::write);
    if (!w) return unexpected(step_error{w.error(), ""});
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
      return unexpected(step_error{errno_code(errno), "getsockopt"});
    }
    if (err == EINPROGRESS || err == EALREADY || err == EINTR) continue;
    if (err == EISCONN) break;
    if (err != 0) return unexpected(step_error{errno_code(err), "connect"});
    sockaddr_any peer;
    peer.len = sizeof peer.ss;
    if (::getpeername(s.fd, peer.get(), &peer.len) == 0) break;
  }
  s.pfd.set_deadline(side::write, conduit::deadline::never());
  return {};
}

template <class T>
conn to_conn(std::unique_ptr<internal::socket> s) {
  return internal::access::make<conn>(std::move(s));
}

result<conn, step_error> dial_ip_one(const internal::ip_network& n, const ip& a, std::uint16_t port,
                                     const ip* local_ip, std::uint16_t local_port,
                                     std::chrono::nanoseconds keep_alive, conduit::deadline dl) {
  const int family = a.unmap().is_v4() && n.family != AF_INET6 ? AF_INET : AF_INET6;
  const kind k = n.udp ? kind::udp : kind::tcp;
  auto sa = internal::ip_sockaddr(a, port, family);
  if (!sa) return unexpected(step_error{sa.error(), "connect"});
  // Go retries a TCP connect that connected to itself (local port == remote port on
  // loopback, an ephemeral-port coincidence) a few times.
  for (int attempt = 0;; ++attempt) {
    auto fd = internal::open_socket(family, n.socktype);
    if (!fd) return unexpected(step_error{fd.error(), "socket"});
    if (n.udp) {
      int one = 1;
      (void)::setsockopt(fd->get(), SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
    } else {
      internal::apply_tcp_defaults(fd->get(), keep_alive);
    }
    if (local_ip != nullptr) {
      auto lsa = internal::ip_sockaddr(*local_ip, local_port, family);
      if (!lsa) return unexpected(step_error{lsa.error(), "bind"});
      if (::bind(fd->get(), lsa->get(), lsa->len) != 0) {
        return unexpected(step_error{errno_code(errno), "bind"});
      }
    }
    auto s = std::make_unique<internal::socket>(std::move(*fd), family, n.socktype, k);
    if (auto c = connect_socket(*s, *sa, dl); !c) return unexpected(c.error());
    s->local = internal::local_addr_of(s->fd, k);
    s->remote = internal::remote_addr_of(s->fd, k);
    if (!n.udp && local_port == 0 && s->local == s->remote && attempt < 2) continue;
    return to_conn<conn>(std::move(s));
  }
}

result<conn, op_error> dial_ip(const dialer& d, std::string_view network,
                               const internal::ip_network& n, std::string_view address,
                               conduit::deadline dl) {
  const ip* local_ip = nullptr;
  std::uint16_t local_port = 0;
  std::string source;
  if (!d.local_addr.empty()) {
    const tcp_addr* t = d.local_addr.as_tcp();
    const udp_addr* u = d.local_addr.as_udp();
    if ((n.udp && u == nullptr) || (!n.udp && t == nullptr)) {
      return unexpected(internal::invalid(
          "dial", network, "mismatched local address type " + std::string(d.local_addr.network())));
    }
    local_ip = n.udp ? &u->ip : &t->ip;
    local_port = n.udp ? u->port : t->port;
    source = d.local_addr.to_string();
  }
  auto eps = internal::resolve_endpoints(n, address, dl);
  if (!eps) return unexpected(internal::wrap_error("dial", network, source, "", eps.error()));
  std::vector<ip> ips = std::move(eps->ips);
  if (ips.empty()) ips.push_back(n.family == AF_INET6 ? ip::v6_loopback() : ip::v4_loopback());
  std::optional<op_error> first;
  for (std::size_t i = 0; i < ips.size(); ++i) {
    std::string remote =
        n.udp ? udp_addr{ips[i], eps->port}.to_string() : tcp_addr{ips[i], eps->port}.to_string();
    if (dl.passed()) {
      if (!first) {
        first =
            internal::make_error("dial", network, source, remote, make_error_code(errc::timeout));
      }
      break;
    }
    auto c = dial_ip_one(n, ips[i], eps->port, local_ip, local_port, d.keep_alive,
                         partial_deadline(dl, ips.size() - i));
    if (c) return std::move(*c);
    if (!first) {
      first =
          internal::make_error("dial", network, source, remote, c.error().code, c.error().syscall);
    }
  }
  return unexpected(std::move(*first));
}

result<conn, op_error> dial_unix(const dialer& d, std::string_view network, int type, kind k,
                                 std::string_view address, conduit::deadline dl) {
  std::string source;
  if (!d.local_addr.empty()) {
    if (d.local_addr.as_unix() == nullptr) {
      return unexpected(internal::invalid(
          "dial", network, "mismatched local address type " + std::string(d.local_addr.network())));
    }
    source = d.local_addr.to_string();
  }
  if (address.empty()) return unexpected(internal::invalid("dial", network, "missing address"));
  auto ua = resolve_unix_addr(network, address);
  if (!ua) return unexpected(internal::wrap_error("dial", "", "", "", ua.error()));
  auto sa = internal::unix_sockaddr(address);
  auto err = [&](std::error_code ec, const char* syscall) {
    return unexpected(
        internal::make_error("dial", network, source, std::string(address), ec, syscall));
  };
  if (!sa) return err(sa.error(), "connect");
  auto fd = internal::open_socket(AF_UNIX, type);
  if (!fd) return err(fd.error(), "socket");
  if (!source.empty()) {
    auto lsa = internal::unix_sockaddr(source);
    if (!lsa) return err(lsa.error(), "bind");
    if (::bind(fd->get(), lsa->get(), lsa->len) != 0) return err(errno_code(errno), "bind");
  }
  auto s = std::make_unique<internal::socket>(std::move(*fd), AF_UNIX, type, k);
  if (auto c = connect_socket(*s, *sa, dl); !c) return err(c.error().code, c.error().syscall);
  s->local = internal::local_addr_of(s->fd, k);
  s->remote = unix_addr{std::string(address), std::string(internal::network_name(k))};
  return to_conn<conn>(std::move(s));
}

}  // namespace

result<conn, op_error> dialer::dial(std::string_view network, std::string_view address) const {
  conduit::deadline dl = deadline;
  if (timeout != std::chrono::nanoseconds::zero()) {
    dl = conduit::deadline::earlier(dl, conduit::deadline::after(timeout));
  }
  internal::ip_network n;
  if (internal::parse_ip_network(network, n)) return dial_ip(*this, network, n, address, dl);
  if (network == "unix")
    return dial_unix(*this, network, SOCK_STREAM, kind::unix_stream, address, dl);
  if (network == "unixgram") {
    return dial_unix(*this, network, SOCK_DGRAM, kind::unix_dgram, address, dl);
  }
  if (network == "unixpacket") {
    return dial_unix(*this, network, SOCK_SEQPACKET, kind::unix_seqpacket, address, dl);
  }
  return unexpected(internal::unknown_network("dial", network));
}

result<conn, op_error> dial(std::string_view network, std::string_view address) {
  return dialer{}.dial(network, address);
}

result<conn, op_error> dial_timeout(std::string_view network, std::string_view address,
                                    std::chrono::nanoseconds timeout) {
  dialer d;
  d.timeout = timeout;
  return d.dial(network, address);
}

}  // namespace conduit::net
