// Name resolution: resolve_tcp_addr, resolve_udp_addr, resolve_unix_addr, lookup_ip and
// lookup_port (Go: net.ResolveTCPAddr, ResolveUDPAddr, ResolveUnixAddr, LookupIP,
// LookupPort).
//
//   auto a = conduit::net::resolve_tcp_addr("tcp", "localhost:http",
//                                           conduit::deadline::after(std::chrono::seconds(2)));
//   if (a) connect_to(*a);   // 127.0.0.1:80
//
// Numeric hosts and ports ("127.0.0.1", "[::1]", "8080") are parsed here and never reach
// getaddrinfo(3). Names (host names, and service names such as "http" from /etc/services)
// go to getaddrinfo on a helper thread, so a slow resolver blocks no other call; the caller
// waits for its answer through the runtime (parked, not in a system call), bounded by the
// deadline. A lookup that loses to its deadline is abandoned: its helper thread finishes in
// the background and drops the answer. At most 256 lookups run at once; more wait (bounded
// by their deadlines) for a slot.
//
// Thread safety: every function may be called from any thread, concurrently.
#ifndef CONDUIT_NET_RESOLVE_HPP
#define CONDUIT_NET_RESOLVE_HPP

#include <conduit/net/addr.hpp>
#include <conduit/net/ip.hpp>
#include <conduit/net/op_error.hpp>
#include <conduit/result.hpp>
#include <conduit/time.hpp>
#include <cstdint>
#include <string_view>
#include <vector>

namespace conduit::net {

// Resolves "host:port" on network "tcp", "tcp4" or "tcp6" to one address: for "tcp" the
// first IPv4 address if there is one, else the first IPv6 one, as Go. An empty host gives
// an address with no ip (":80"), which dial takes as the local system and listen as every
// interface.
// Blocks: only when the host or port is a name: until getaddrinfo answers or the deadline.
// Errors (op_error::code()): std::errc::invalid_argument (unknown network, malformed
//         address, bad port), gai_category() codes (EAI_NONAME "no such host", EAI_SERVICE,
//         ...), errc::timeout (deadline), or an errno (EAGAIN: no thread could be started).
// Deadline: the lookup is abandoned; nothing else has happened.
[[nodiscard]] result<tcp_addr, op_error> resolve_tcp_addr(std::string_view network,
                                                          std::string_view address,
                                                          deadline d = deadline::never());

// As resolve_tcp_addr, for "udp", "udp4", "udp6".
[[nodiscard]] result<udp_addr, op_error> resolve_udp_addr(std::string_view network,
                                                          std::string_view address,
                                                          deadline d = deadline::never());

// Checks a Unix address for "unix", "unixgram" or "unixpacket" (no lookup): a path of at
// most 107 bytes, or "@name" (abstract) of at most 106.
// Blocks: never.
// Errors: std::errc::invalid_argument (unknown network), std::errc::filename_too_long.
[[nodiscard]] result<unix_addr, op_error> resolve_unix_addr(std::string_view network,
                                                            std::string_view address);

// The addresses of host, in getaddrinfo's order (RFC 6724). A literal is returned as is.
// Blocks: as resolve_tcp_addr. Errors: as resolve_tcp_addr.
[[nodiscard]] result<std::vector<ip>, op_error> lookup_ip(std::string_view host,
                                                          deadline d = deadline::never());

// The port of service ("http", "8080") on network "tcp*" or "udp*".
// Blocks: only for a name, as resolve_tcp_addr. Errors: as resolve_tcp_addr.
[[nodiscard]] result<std::uint16_t, op_error> lookup_port(std::string_view network,
                                                          std::string_view service,
                                                          deadline d = deadline::never());

}  // namespace conduit::net

#endif  // CONDUIT_NET_RESOLVE_HPP
