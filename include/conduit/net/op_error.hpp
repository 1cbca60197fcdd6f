// net::op_error: the error of a call at the edge of the network — dial, listen, resolve,
// split_host_port — with the context Go's *net.OpError gives: the operation, the network,
// the addresses and the cause, next to a std::error_code that code can test.
//
//   auto c = conduit::net::dial("tcp", "127.0.0.1:1");
//   if (!c) {
//     std::puts(c.error().what().c_str());  // "dial tcp 127.0.0.1:1: connect: connection refused"
//     if (c.error() == std::errc::connection_refused) { ... }   // compares its code()
//     if (c.error().timeout()) { ... }                           // code() == errc::timeout
//   }
//
// These calls return result<T, op_error>. Hot-path calls (read, write, accept, read_from,
// ...) return a plain std::error_code, as DESIGN says.
//
// code() is the exact errno in std::system_category() (never folded: EPIPE stays distinct
// from ECONNRESET), a conduit::errc (timeout, closed), a getaddrinfo EAI_* code in
// gai_category(), or std::errc::invalid_argument for malformed input (a bad address or
// network name), whose text then says what was wrong ("address 1.2.3.4: missing port in
// address", "unknown network tcp5").
//
// Thread safety: a value type.
#ifndef CONDUIT_NET_OP_ERROR_HPP
#define CONDUIT_NET_OP_ERROR_HPP

#include <conduit/error.hpp>
#include <string>
#include <system_error>
#include <utility>

namespace conduit::net {

// One failed network operation, worded as Go's *net.OpError.
// Thread safety: a value type.
class op_error {
 public:
  op_error() = default;
  // op: "dial", "listen", "accept", "lookup", "" (a bare address error); net: "tcp", ...
  // (may be empty); source, addr: the local and remote addresses as text (may be empty);
  // cause: the text after ": " (e.g. "connect: connection refused").
  op_error(std::string op, std::string net, std::string source, std::string addr,
           std::error_code code, std::string cause)
      : op_(std::move(op)),
        net_(std::move(net)),
        source_(std::move(source)),
        addr_(std::move(addr)),
        cause_(std::move(cause)),
        code_(code) {}

  // What a program tests: the errno, errc, EAI_* or invalid_argument code.
  [[nodiscard]] const std::error_code& code() const noexcept { return code_; }
  [[nodiscard]] const std::string& op() const noexcept { return op_; }
  [[nodiscard]] const std::string& net() const noexcept { return net_; }
  [[nodiscard]] const std::string& source() const noexcept { return source_; }
  [[nodiscard]] const std::string& addr() const noexcept { return addr_; }
  [[nodiscard]] const std::string& cause() const noexcept { return cause_; }
  // Go's net.Error.Timeout(): the deadline passed.
  [[nodiscard]] bool timeout() const noexcept { return code_ == errc::timeout; }

  // Go's OpError.Error(): "<op> <net> [<source>->]<addr>: <cause>", leaving out the parts
  // that are empty: "dial tcp 127.0.0.1:1: connect: connection refused",
  // "dial tcp: lookup nohost.invalid: no such host", "listen unix /tmp/s: bind: address
  // already in use (a stale socket file: nothing accepts on it; remove it first)".
  [[nodiscard]] std::string what() const;

  friend bool operator==(const op_error& e, const std::error_code& c) noexcept {
    return e.code_ == c;
  }
  friend bool operator==(const op_error& e, const std::error_condition& c) noexcept {
    return e.code_ == c;
  }
  friend bool operator==(const op_error& e, errc c) noexcept { return e.code_ == c; }
  friend bool operator==(const op_error& e, std::errc c) noexcept { return e.code_ == c; }

 private:
  std::string op_, net_, source_, addr_, cause_;
  std::error_code code_;
};

// The category of getaddrinfo(3)'s EAI_* codes (name "getaddrinfo", messages worded as
// Go's: EAI_NONAME is "no such host"). EAI_SYSTEM never appears: its errno is used instead.
// Thread safety: safe from any thread.
[[nodiscard]] const std::error_category& gai_category() noexcept;

}  // namespace conduit::net

#endif  // CONDUIT_NET_OP_ERROR_HPP
