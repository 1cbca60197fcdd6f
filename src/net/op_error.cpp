// op_error, gai_category and the helpers of errors.hpp.
#include <netdb.h>

#include <cctype>
#include <conduit/net/op_error.hpp>
#include <string>

#include "net/errors.hpp"

namespace conduit::net {
namespace {

class gai_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "getaddrinfo"; }
  std::string message(int ev) const override {
    switch (ev) {
      case EAI_NONAME:
        return "no such host";
      case EAI_NODATA:
        return "no such host";  // the name exists with no address of the family asked for
      case EAI_SERVICE:
        return "unknown port";
      case EAI_AGAIN:
        return "temporary failure in name resolution";
      default: {
        std::string s = ::gai_strerror(ev);
        if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
        return s;
      }
    }
  }
};

}  // namespace

const std::error_category& gai_category() noexcept {
  static const gai_category_impl c;
  return c;
}

std::string op_error::what() const {
  std::string s = op_;
  auto part = [&](const std::string& p, const char* sep) {
    if (p.empty()) return;
    if (!s.empty()) s += sep;
    s += p;
  };
  part(net_, " ");
  part(source_, " ");
  part(addr_, source_.empty() ? " " : "->");
  if (!s.empty()) s += ": ";
  s += cause_.empty() ? internal::go_text(code_) : cause_;
  return s;
}

namespace internal {

std::string go_text(const std::error_code& ec) {
  if (!ec) return "<nil>";
  if (ec == errc::timeout) return "i/o timeout";
  if (ec == errc::closed) return "use of closed network connection";
  if (ec == errc::eof) return "EOF";
  std::string s = ec.message();
  // strerror says "Connection refused"; Go says "connection refused". Leave acronyms alone.
  if (s.size() >= 2 && std::isupper(static_cast<unsigned char>(s[0])) &&
      std::islower(static_cast<unsigned char>(s[1]))) {
    s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  }
  return s;
}

op_error make_error(std::string_view op, std::string_view net, std::string source, std::string addr,
                    std::error_code ec, std::string_view syscall) {
  std::string cause = go_text(ec);
  if (!syscall.empty()) cause = std::string(syscall) + ": " + cause;
  return op_error(std::string(op), std::string(net), std::move(source), std::move(addr), ec,
                  std::move(cause));
}

op_error wrap_error(std::string_view op, std::string_view net, std::string source, std::string addr,
                    const op_error& inner) {
  return op_error(std::string(op), std::string(net), std::move(source), std::move(addr),
                  inner.code(), inner.what());
}

op_error invalid(std::string_view op, std::string_view net, std::string cause) {
  return op_error(std::string(op), std::string(net), {}, {},
                  std::make_error_code(std::errc::invalid_argument), std::move(cause));
}

op_error addr_error(std::string_view addr, std::string_view why) {
  return op_error({}, {}, {}, {}, std::make_error_code(std::errc::invalid_argument),
                  "address " + std::string(addr) + ": " + std::string(why));
}

op_error unknown_network(std::string_view op, std::string_view net) {
  // Go: "dial tcp5: unknown network tcp5" from dial/listen; a bare UnknownNetworkError
  // ("unknown network tcp5") from the resolvers.
  return invalid(op, op.empty() ? std::string_view{} : net, "unknown network " + std::string(net));
}

}  // namespace internal
}  // namespace conduit::net
