// The SIGPIPE policy. See sigpipe.hpp and docs/os.md.
#include "os/sigpipe.hpp"

#include <csignal>

namespace conduit::os::internal {
namespace {

void on_sigpipe(int) noexcept {}

bool install() noexcept {
  struct sigaction old {};
  if (::sigaction(SIGPIPE, nullptr, &old) != 0) return false;
  if ((old.sa_flags & SA_SIGINFO) != 0 || old.sa_handler != SIG_DFL) return true;
  struct sigaction sa {};
  sa.sa_handler = on_sigpipe;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  // A race with another thread setting SIGPIPE between the two calls is the program's own:
  // it set a disposition while conduit was starting to use pipes.
  return ::sigaction(SIGPIPE, &sa, nullptr) == 0;
}

}  // namespace

void ensure_sigpipe_policy() noexcept {
  static const bool done = install();
  (void)done;
}

}  // namespace conduit::os::internal
