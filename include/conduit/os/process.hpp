// os::process and os::exit_status: a started child process (Go's *os.Process) and how it
// ended (Go's *os.ProcessState).
//
//   auto cmd = conduit::os::command("sleep", {"10"});
//   if (auto r = cmd.start(); !r) return r.error().what();
//   (void)cmd.process().signal(SIGTERM);
//   auto st = cmd.process().wait(conduit::deadline::after(std::chrono::seconds(5)));
//   if (st) std::puts(st->to_string().c_str());   // "signal: terminated"
//
// A process holds a pidfd (pidfd_open(2)) in the runtime's poll descriptor: wait() sleeps in
// the runtime until the pidfd is readable (the child exited), with a deadline and without a
// thread per child, then reaps the child with waitid(P_PIDFD). Signals go through
// pidfd_send_signal(2), so they can never hit a recycled pid.
//
// Reaping: conduit reaps only its own children, and only in wait(). A program that reaps
// children behind conduit's back (waitpid(-1, ...), SIGCHLD set to SIG_IGN) makes wait()
// fail with ECHILD.
//
// Destroying a process that was never waited for leaves the child running, as Go does; if it
// has already exited it is reaped then, so no zombie is left.
//
// Thread safety: every member may be called from any thread, concurrently (signal while
// another thread waits), except that a process must not be moved-from, assigned, or destroyed
// while a call on it is running.
#ifndef CONDUIT_OS_PROCESS_HPP
#define CONDUIT_OS_PROCESS_HPP

#include <sys/types.h>

#include <conduit/error.hpp>
#include <conduit/fd.hpp>
#include <conduit/result.hpp>
#include <conduit/time.hpp>
#include <csignal>
#include <cstdint>
#include <memory>
#include <string>

namespace conduit::os {

namespace internal {
struct process_impl;
}  // namespace internal

// How a child ended (Go's *os.ProcessState): exited with a code, or killed by a signal.
// Thread safety: a value type.
class exit_status {
 public:
  // A status for a normal exit with code (0-255).
  [[nodiscard]] static constexpr exit_status exited_with(int code) noexcept {
    return exit_status(false, code, false);
  }
  // A status for a death by signal sig.
  [[nodiscard]] static constexpr exit_status killed_by(int sig, bool core = false) noexcept {
    return exit_status(true, sig, core);
  }
  constexpr exit_status() noexcept = default;

  // Whether the child called exit (or returned from main).
  [[nodiscard]] constexpr bool exited() const noexcept { return !signaled_; }
  // The exit code, or -1 when a signal killed it (Go's ExitCode).
  [[nodiscard]] constexpr int exit_code() const noexcept { return signaled_ ? -1 : value_; }
  // Whether a signal killed it.
  [[nodiscard]] constexpr bool signaled() const noexcept { return signaled_; }
  // The signal that killed it, or 0.
  [[nodiscard]] constexpr int signal() const noexcept { return signaled_ ? value_ : 0; }
  // Whether it dumped core when killed.
  [[nodiscard]] constexpr bool core_dumped() const noexcept { return core_; }
  // Exited with code 0 (Go's Success).
  [[nodiscard]] constexpr bool success() const noexcept { return !signaled_ && value_ == 0; }
  // "exit status 1", "signal: killed", "signal: segmentation fault (core dumped)": Go's
  // ProcessState.String.
  [[nodiscard]] std::string to_string() const;

  friend constexpr bool operator==(exit_status, exit_status) noexcept = default;

 private:
  constexpr exit_status(bool signaled, int value, bool core) noexcept
      : signaled_(signaled), core_(core), value_(value) {}
  bool signaled_ = false;
  bool core_ = false;
  int value_ = 0;
};

// A child process (Go's *os.Process). Made by os::command::start; a default-constructed
// process has no child, and its calls fail with ESRCH.
// Thread safety: see the file overview.
class process {
 public:
  process() noexcept;
  process(process&&) noexcept;
  process& operator=(process&&) noexcept;
  process(const process&) = delete;
  process& operator=(const process&) = delete;
  ~process();

  // Adopts a child of this process by pid and its pidfd (as returned by clone3 or
  // pidfd_open). leads_group: whether the child leads its own process group
  // (signal_group). Errors: std::bad_alloc may propagate.
  process(pid_t pid, unique_fd pidfd, bool leads_group);

  // The child's pid, or -1 for no child. Blocks: never.
  [[nodiscard]] pid_t pid() const noexcept;

  // Sends sig to the child (pidfd_send_signal). sig 0 checks that it can be signalled.
  // Blocks: never.
  // Errors: ESRCH (no child, or it has exited and was reaped: Go's "process already
  //         finished"), EINVAL (bad signal), EPERM.
  [[nodiscard]] result<void> signal(int sig) noexcept;
  // signal(SIGKILL) (Go's Kill).
  [[nodiscard]] result<void> kill() noexcept { return signal(SIGKILL); }

  // Sends sig to the child's whole process group (kill(-pid, sig)); only for a child started
  // with command::new_process_group(), which leads its group.
  // Blocks: never.
  // Errors: EINVAL (the child does not lead a group of its own), ESRCH (no process is left
  //         in the group, or the child was reaped), EPERM.
  [[nodiscard]] result<void> signal_group(int sig) noexcept;
  // signal_group(SIGKILL).
  [[nodiscard]] result<void> kill_group() noexcept { return signal_group(SIGKILL); }

  // Waits for the child to exit and reaps it (Go's Wait). Later calls return the same
  // status at once.
  // Blocks:   until the child exits, or the deadline. Spins briefly, then sleeps in the
  //           runtime on the pidfd.
  // Errors:   errc::timeout, ESRCH (no child), ECHILD (someone else reaped it).
  // Deadline: the child is still running (and can be waited for again). The poll
  //           descriptor keeps one read deadline: two threads waiting at once share the
  //           deadline of the later call.
  [[nodiscard]] result<exit_status> wait(deadline d = deadline::never()) noexcept;

 private:
  std::unique_ptr<internal::process_impl> p_;
};

}  // namespace conduit::os

#endif  // CONDUIT_OS_PROCESS_HPP
