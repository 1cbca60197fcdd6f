// Name resolution without blocking other calls: getaddrinfo runs on a detached helper
// thread; the caller parks on the job's `done` word through the parking lot, bounded by
// its deadline. If the deadline wins, the caller leaves and the helper drops the answer.
//
// Invariants: a job is shared (shared_ptr) by the caller and its helper; `done` goes 0 -> 1
// once, by the helper, after the answer is written (release), and the helper then calls
// unpark_all(&done) while it still holds its reference, so the key outlives the wake-up.
// `active_lookups` counts running helpers (at most kMaxLookups); a caller that finds it
// full parks on its address until a helper leaves (unpark_one) or its deadline.
#include <pthread.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <conduit/net/resolve.hpp>
#include <conduit/runtime/parking_lot.hpp>
#include <cstring>
#include <memory>
#include <string>

#include "net/errors.hpp"
#include "net/resolver.hpp"

namespace conduit::net::internal {
namespace {

constexpr int kMaxLookups = 256;
std::atomic<int> active_lookups{0};
std::atomic<getaddrinfo_fn> hook{nullptr};

struct job {
  std::string host, service;
  addrinfo hints{};
  std::atomic<std::uint32_t> done{0};
  int rc = 0;
  int sys_errno = 0;
  std::vector<resolved> out;
};

resolved from_addrinfo(const addrinfo* ai) {
  resolved r;
  if (ai->ai_family == AF_INET) {
    sockaddr_in sin;
    std::memcpy(&sin, ai->ai_addr, sizeof sin);
    r.addr = ip::from_v4_bytes(
        std::span<const std::uint8_t, 4>(reinterpret_cast<const std::uint8_t*>(&sin.sin_addr), 4));
    r.port = ntohs(sin.sin_port);
  } else {
    sockaddr_in6 sin6;
    std::memcpy(&sin6, ai->ai_addr, sizeof sin6);
    std::string zone = sin6.sin6_scope_id != 0 ? std::to_string(sin6.sin6_scope_id) : "";
    r.addr = ip::from_v6_bytes(std::span<const std::uint8_t, 16>(sin6.sin6_addr.s6_addr, 16), zone);
    r.port = ntohs(sin6.sin6_port);
  }
  return r;
}

void* run_job(void* arg) {
  std::unique_ptr<std::shared_ptr<job>> holder(static_cast<std::shared_ptr<job>*>(arg));
  job& j = **holder;
  addrinfo* res = nullptr;
  getaddrinfo_fn f = hook.load(std::memory_order_acquire);
  if (f == nullptr) f = ::getaddrinfo;
  j.rc = f(j.host.empty() ? nullptr : j.host.c_str(),
           j.service.empty() ? nullptr : j.service.c_str(), &j.hints, &res);
  j.sys_errno = errno;
  if (j.rc == 0) {
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
      if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) j.out.push_back(from_addrinfo(ai));
    }
    ::freeaddrinfo(res);
  }
  j.done.store(1, std::memory_order_release);
  runtime::unpark_all(&j.done);
  active_lookups.fetch_sub(1, std::memory_order_acq_rel);
  runtime::unpark_one(&active_lookups,
                      [](runtime::unpark_result) { return runtime::kDefaultToken; });
  return nullptr;  // holder drops the helper's reference
}

bool acquire_slot(deadline d) {
  for (;;) {
    int v = active_lookups.load(std::memory_order_acquire);
    if (v < kMaxLookups) {
      if (active_lookups.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel)) return true;
      continue;
    }
    auto r = runtime::park_on(
        &active_lookups,
        [] { return active_lookups.load(std::memory_order_acquire) >= kMaxLookups; }, d);
    if (r.status == runtime::park_status::timeout) return false;
  }
}

std::uint16_t parse_port_number(std::string_view s, bool& ok) {
  ok = !s.empty() && s.size() <= 5 &&
       std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!ok) return 0;
  unsigned long v = std::stoul(std::string(s));
  ok = v <= 65535;
  return static_cast<std::uint16_t>(v);
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

op_error lookup_error(std::string_view name, std::error_code ec) {
  return make_error("lookup", "", "", std::string(name), ec);
}

}  // namespace

void set_getaddrinfo_hook(getaddrinfo_fn f) noexcept { hook.store(f, std::memory_order_release); }

result<std::vector<resolved>> lookup_async(std::string_view host, std::string_view service,
                                           int family, int socktype, int flags, deadline d) {
  if (d.passed()) return fail(errc::timeout);
  auto j = std::make_shared<job>();
  j->host = std::string(host);
  j->service = std::string(service);
  j->hints.ai_family = family;
  j->hints.ai_socktype = socktype;
  j->hints.ai_flags = flags;
  if (!acquire_slot(d)) return fail(errc::timeout);
  auto* arg = new std::shared_ptr<job>(j);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t t;
  int rc = ::pthread_create(&t, &attr, run_job, arg);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    delete arg;
    active_lookups.fetch_sub(1, std::memory_order_acq_rel);
    runtime::unpark_one(&active_lookups,
                        [](runtime::unpark_result) { return runtime::kDefaultToken; });
    return fail_errno(rc);
  }
  while (j->done.load(std::memory_order_acquire) == 0) {
    auto r = runtime::park_on(
        &j->done, [&] { return j->done.load(std::memory_order_acquire) == 0; }, d);
    if (r.status == runtime::park_status::timeout && j->done.load(std::memory_order_acquire) == 0) {
      return fail(errc::timeout);  // abandoned: the helper finishes alone
    }
  }
  if (j->rc == EAI_SYSTEM) return fail_errno(j->sys_errno != 0 ? j->sys_errno : EIO);
  if (j->rc != 0) return fail(std::error_code(j->rc, gai_category()));
  return std::move(j->out);
}

bool parse_ip_network(std::string_view network, ip_network& out) noexcept {
  if (network.size() < 3) return false;
  std::string_view base = network.substr(0, 3);
  std::string_view ver = network.substr(3);
  if (base == "tcp") {
    out.socktype = SOCK_STREAM, out.udp = false;
  } else if (base == "udp") {
    out.socktype = SOCK_DGRAM, out.udp = true;
  } else {
    return false;
  }
  if (ver.empty()) {
    out.family = AF_UNSPEC;
  } else if (ver == "4") {
    out.family = AF_INET;
  } else if (ver == "6") {
    out.family = AF_INET6;
  } else {
    return false;
  }
  return true;
}

result<ip_endpoints, op_error> resolve_endpoints(const ip_network& n, std::string_view address,
                                                 deadline d) {
  auto hp = split_host_port(address);
  if (!hp) return unexpected(hp.error());
  const std::string& host = hp->host;
  const std::string& port = hp->port;
  ip_endpoints out;
  bool port_ok = true;
  bool port_is_name = false;
  if (!port.empty()) {
    out.port = parse_port_number(port, port_ok);
    if (!port_ok) {
      if (all_digits(port) || port[0] == '-' || port[0] == '+') {
        return unexpected(addr_error(port, "invalid port"));
      }
      port_is_name = true;
    }
  }
  std::vector<ip> ips;
  bool host_is_name = false;
  if (!host.empty()) {
    if (auto a = parse_ip(host)) {
      ips.push_back(*a);
    } else {
      host_is_name = true;
    }
  }
  if (host_is_name || port_is_name) {
    auto r = lookup_async(host_is_name ? host : std::string_view{},
                          port_is_name ? port : std::string_view{}, n.family, n.socktype, 0, d);
    if (!r) {
      std::string name = host_is_name ? host : std::string(n.udp ? "udp/" : "tcp/") + port;
      if (!host_is_name && r.error() == std::error_code(EAI_NONAME, gai_category())) {
        return unexpected(
            make_error("lookup", "", "", name, std::error_code(EAI_SERVICE, gai_category())));
      }
      return unexpected(lookup_error(name, r.error()));
    }
    if (r->empty())
      return unexpected(lookup_error(host, std::error_code(EAI_NONAME, gai_category())));
    if (port_is_name) out.port = (*r)[0].port;
    if (host_is_name) {
      for (auto& e : *r) {
        if (std::find(ips.begin(), ips.end(), e.addr) == ips.end()) ips.push_back(e.addr);
      }
    }
  }
  if (!ips.empty()) {
    std::vector<ip> kept;
    for (auto& a : ips) {
      bool v4 = a.unmap().is_v4();
      if (n.family == AF_INET && !v4) continue;
      if (n.family == AF_INET6 && a.is_v4()) continue;
      kept.push_back(a);
    }
    if (kept.empty()) return unexpected(addr_error(host, "no suitable address found"));
    out.ips = std::move(kept);
  }
  return out;
}

}  // namespace conduit::net::internal

namespace conduit::net {

using internal::ip_network;

namespace {

template <class Addr>
result<Addr, op_error> resolve_one(std::string_view network, std::string_view address, deadline d,
                                   bool udp) {
  ip_network n;
  if (!internal::parse_ip_network(network, n) || n.udp != udp) {
    return unexpected(internal::unknown_network("", network));
  }
  auto e = internal::resolve_endpoints(n, address, d);
  if (!e) return unexpected(std::move(e).error());
  Addr a;
  a.port = e->port;
  if (!e->ips.empty()) {
    a.ip = e->ips.front();
    if (n.family == AF_UNSPEC) {  // Go prefers IPv4 for "tcp"/"udp"
      for (auto& x : e->ips) {
        if (x.is_v4()) {
          a.ip = x;
          break;
        }
      }
    }
  }
  return a;
}

}  // namespace

result<tcp_addr, op_error> resolve_tcp_addr(std::string_view network, std::string_view address,
                                            deadline d) {
  return resolve_one<tcp_addr>(network, address, d, false);
}

result<udp_addr, op_error> resolve_udp_addr(std::string_view network, std::string_view address,
                                            deadline d) {
  return resolve_one<udp_addr>(network, address, d, true);
}

result<unix_addr, op_error> resolve_unix_addr(std::string_view network, std::string_view address) {
  if (network != "unix" && network != "unixgram" && network != "unixpacket") {
    return unexpected(internal::unknown_network("", network));
  }
  if (address.size() > 107) {
    return unexpected(op_error("", std::string(network), "", std::string(address),
                               std::make_error_code(std::errc::filename_too_long),
                               "path too long (" + std::to_string(address.size()) +
                                   " bytes; a Unix socket address holds at most 107)"));
  }
  return unix_addr{std::string(address), std::string(network)};
}

result<std::vector<ip>, op_error> lookup_ip(std::string_view host, deadline d) {
  if (auto a = parse_ip(host)) return std::vector<ip>{*a};
  auto r = internal::lookup_async(host, {}, AF_UNSPEC, SOCK_STREAM, 0, d);
  if (!r) return unexpected(internal::make_error("lookup", "", "", std::string(host), r.error()));
  std::vector<ip> out;
  for (auto& e : *r) {
    if (std::find(out.begin(), out.end(), e.addr) == out.end()) out.push_back(e.addr);
  }
  if (out.empty()) {
    return unexpected(internal::make_error("lookup", "", "", std::string(host),
                                           std::error_code(EAI_NONAME, gai_category())));
  }
  return out;
}

result<std::uint16_t, op_error> lookup_port(std::string_view network, std::string_view service,
                                            deadline d) {
  ip_network n;
  if (!internal::parse_ip_network(network, n)) {
    return unexpected(internal::unknown_network("lookup", network));
  }
  if (service.empty()) return std::uint16_t{0};
  auto e = internal::resolve_endpoints(n, ":" + std::string(service), d);
  if (!e) return unexpected(std::move(e).error());
  return e->port;
}

}  // namespace conduit::net
