// The asynchronous resolver and the address parsing shared by dial, listen and resolve_*.
// Private to src/net.
#ifndef CONDUIT_SRC_NET_RESOLVER_HPP
#define CONDUIT_SRC_NET_RESOLVER_HPP

#include <netdb.h>

#include <conduit/net/addr.hpp>
#include <conduit/net/ip.hpp>
#include <conduit/net/op_error.hpp>
#include <conduit/result.hpp>
#include <conduit/time.hpp>
#include <cstdint>
#include <string_view>
#include <vector>

namespace conduit::net::internal {

struct resolved {
  ip addr;
  std::uint16_t port = 0;
};

// getaddrinfo(host or NULL, service or NULL, {family, socktype, flags}) on a helper thread;
// the caller parks (runtime::park_on) until it answers or d passes.
// Errors: gai_category() codes, an errno for EAI_SYSTEM, errc::timeout, EAGAIN (no thread).
[[nodiscard]] result<std::vector<resolved>> lookup_async(std::string_view host,
                                                         std::string_view service, int family,
                                                         int socktype, int flags, deadline d);

// Replaces getaddrinfo for tests (what it returns is freed with freeaddrinfo, so it must
// come from the real getaddrinfo). Null restores the real one. Not for concurrent use with
// lookups in flight that must see the old function.
using getaddrinfo_fn = int (*)(const char*, const char*, const addrinfo*, addrinfo**);
void set_getaddrinfo_hook(getaddrinfo_fn f) noexcept;

// An IP network name taken apart: "tcp4" -> {SOCK_STREAM, AF_INET, "tcp"}.
struct ip_network {
  int socktype = 0;  // SOCK_STREAM or SOCK_DGRAM
  int family = 0;    // AF_UNSPEC (0), AF_INET or AF_INET6
  bool udp = false;
};
// False if network is not one of tcp, tcp4, tcp6, udp, udp4, udp6.
[[nodiscard]] bool parse_ip_network(std::string_view network, ip_network& out) noexcept;

// The endpoints of "host:port" on an IP network: the ips (empty when host is empty) and the
// port. Numeric hosts and ports never reach getaddrinfo. Addresses of the wrong family for
// the network are dropped; none left is an error ("no suitable address found").
struct ip_endpoints {
  std::vector<ip> ips;
  std::uint16_t port = 0;
};
[[nodiscard]] result<ip_endpoints, op_error> resolve_endpoints(const ip_network& n,
                                                               std::string_view address,
                                                               deadline d);

}  // namespace conduit::net::internal

#endif  // CONDUIT_SRC_NET_RESOLVER_HPP
