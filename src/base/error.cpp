#include <unistd.h>

#include <cerrno>
#include <conduit/error.hpp>
#include <conduit/result.hpp>
#include <cstring>
#include <string>

namespace conduit {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "conduit"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::eof:
        return "end of stream";
      case errc::unexpected_eof:
        return "unexpected end of stream";
      case errc::closed_pipe:
        return "read/write on closed pipe";
      case errc::closed:
        return "use of closed object";
      case errc::timeout:
        return "deadline exceeded";
      case errc::channel_closed:
        return "channel closed";
      case errc::message_too_large:
        return "message too large";
      case errc::owner_dead:
        return "lock owner died while holding it";
      case errc::corrupt:
        return "peer broke the shared-memory protocol";
      case errc::would_block:
        return "operation would block";
      case errc::uncatchable_signal:
        return "signal cannot be caught (SIGKILL, SIGSTOP) or is a synchronous fault "
               "(SIGSEGV, SIGBUS, SIGFPE, SIGILL)";
    }
    return "unknown conduit error " + std::to_string(ev);
  }
  std::error_condition default_error_condition(int ev) const noexcept override {
    switch (static_cast<errc>(ev)) {
      case errc::timeout:
        return std::errc::timed_out;
      case errc::message_too_large:
        return std::errc::message_size;
      case errc::would_block:
        return std::errc::operation_would_block;
      default:
        return std::error_condition(ev, *this);
    }
  }
};

}  // namespace

const std::error_category& conduit_category() noexcept {
  static const category c;
  return c;
}

std::error_code make_error_code(errc e) noexcept {
  return std::error_code(static_cast<int>(e), conduit_category());
}

void fatal(const char* what) noexcept {
  // write(2) only: callable from a signal handler or with the heap in any state.
  constexpr char prefix[] = "conduit: ";
  (void)!::write(STDERR_FILENO, prefix, sizeof prefix - 1);
  (void)!::write(STDERR_FILENO, what, std::strlen(what));
  (void)!::write(STDERR_FILENO, "\n", 1);
  std::abort();
}

namespace internal {
void bad_result_access(bool wanted_value) noexcept {
  fatal(wanted_value ? "result::value() called on a result holding an error"
                     : "result::error() called on a result holding a value");
}
}  // namespace internal

}  // namespace conduit
