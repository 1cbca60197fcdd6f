// The SIGPIPE policy, in one place: a write to a broken pipe through conduit returns EPIPE
// and never kills the process. See docs/os.md.
#ifndef CONDUIT_SRC_OS_SIGPIPE_HPP
#define CONDUIT_SRC_OS_SIGPIPE_HPP

namespace conduit::os::internal {

// The first call installs, if SIGPIPE's disposition is SIG_DFL, a handler that does nothing
// (SA_RESTART). A handler, unlike SIG_IGN, is reset to SIG_DFL by execve(2), so children keep
// the default. A disposition the program set itself (SIG_IGN, its own handler) is left as
// it is. Later calls do nothing. Called when an os::file is made over a pipe or FIFO.
// Blocks: never. Context: any thread.
void ensure_sigpipe_policy() noexcept;

}  // namespace conduit::os::internal

#endif  // CONDUIT_SRC_OS_SIGPIPE_HPP
