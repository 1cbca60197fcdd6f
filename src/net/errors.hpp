// Building op_errors worded as Go's. Private to src/net.
#ifndef CONDUIT_SRC_NET_ERRORS_HPP
#define CONDUIT_SRC_NET_ERRORS_HPP

#include <conduit/net/op_error.hpp>
#include <string>
#include <string_view>
#include <system_error>

namespace conduit::net::internal {

// Go's wording of ec: "connection refused" (strerror with a lower-case first letter),
// "i/o timeout" for errc::timeout, "use of closed network connection" for errc::closed.
std::string go_text(const std::error_code& ec);

// An op_error whose cause is "<syscall>: <go_text(ec)>", or go_text(ec) alone.
op_error make_error(std::string_view op, std::string_view net, std::string source, std::string addr,
                    std::error_code ec, std::string_view syscall = {});

// An op_error whose cause is inner.what() and whose code is inner.code().
op_error wrap_error(std::string_view op, std::string_view net, std::string source, std::string addr,
                    const op_error& inner);

// Malformed input: code std::errc::invalid_argument, cause as given.
op_error invalid(std::string_view op, std::string_view net, std::string cause);

// Go's AddrError: "address <addr>: <why>", code std::errc::invalid_argument.
op_error addr_error(std::string_view addr, std::string_view why);

// Go's UnknownNetworkError: "unknown network <net>".
op_error unknown_network(std::string_view op, std::string_view net);

}  // namespace conduit::net::internal

#endif  // CONDUIT_SRC_NET_ERRORS_HPP
