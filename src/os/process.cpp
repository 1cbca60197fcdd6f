// os::process over a pidfd in the runtime's poll descriptor. See
// include/conduit/os/process.hpp.
//
// Invariants: reaped_ goes false -> true once, in the waitid op that reaped the child (run
// under the poll descriptor's read side, so one at a time); status_ is written before it
// (release) and read only after seeing it true (acquire).
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <conduit/os/process.hpp>
#include <cstring>

#include "runtime/poll_fd.hpp"

namespace conduit::os {
namespace internal {

struct process_impl {
  process_impl(pid_t p, unique_fd pidfd, bool group) noexcept
      : pid(p), leads_group(group), pfd(std::move(pidfd)) {}
  const pid_t pid;
  const bool leads_group;
  runtime::poll_fd pfd;
  std::atomic<bool> reaped{false};
  exit_status status;

  // One non-blocking reap attempt: 1 reaped (now or before), 0 still running, -1 errno.
  int try_reap(int fd) noexcept {
    if (reaped.load(std::memory_order_acquire)) return 1;
    siginfo_t si{};
    if (::waitid(P_PIDFD, static_cast<id_t>(fd), &si, WEXITED | WNOHANG) != 0) return -1;
    if (si.si_pid == 0) return 0;
    switch (si.si_code) {
      case CLD_EXITED:
        status = exit_status::exited_with(si.si_status);
        break;
      case CLD_DUMPED:
        status = exit_status::killed_by(si.si_status, true);
        break;
      default:  // CLD_KILLED
        status = exit_status::killed_by(si.si_status, false);
        break;
    }
    reaped.store(true, std::memory_order_release);
    return 1;
  }
};

}  // namespace internal

namespace {
using side = runtime::poll_fd::side;
}  // namespace

std::string exit_status::to_string() const {
  if (!signaled_) return "exit status " + std::to_string(value_);
  std::string s = "signal: ";
  const char* d = ::sigdescr_np(value_);
  if (d != nullptr) {
    std::string desc(d);
    if (!desc.empty() && desc[0] >= 'A' && desc[0] <= 'Z')
      desc[0] = static_cast<char>(desc[0] - 'A' + 'a');
    s += desc;
  } else {
    s += std::to_string(value_);
  }
  if (core_) s += " (core dumped)";
  return s;
}

process::process() noexcept = default;
process::process(process&&) noexcept = default;
process& process::operator=(process&&) noexcept = default;

process::process(pid_t pid, unique_fd pidfd, bool leads_group)
    : p_(std::make_unique<internal::process_impl>(pid, std::move(pidfd), leads_group)) {}

process::~process() {
  if (!p_) return;
  // Reap a child that has already exited, so that none is left a zombie; leave a running
  // one running (Go does the same).
  const int fd = p_->pfd.fd();
  if (fd >= 0) (void)p_->try_reap(fd);
}

pid_t process::pid() const noexcept { return p_ ? p_->pid : -1; }

result<void> process::signal(int sig) noexcept {
  if (!p_) return fail_errno(ESRCH);
  if (p_->reaped.load(std::memory_order_acquire)) return fail_errno(ESRCH);
  const int fd = p_->pfd.fd();
  if (fd < 0) return fail_errno(ESRCH);
  if (::syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0) != 0) return fail_errno(errno);
  return {};
}

result<void> process::signal_group(int sig) noexcept {
  if (!p_) return fail_errno(ESRCH);
  if (!p_->leads_group) return fail_errno(EINVAL);
  if (::kill(-p_->pid, sig) != 0) return fail_errno(errno);
  return {};
}

result<exit_status> process::wait(deadline d) noexcept {
  if (!p_) return fail_errno(ESRCH);
  if (p_->reaped.load(std::memory_order_acquire)) return p_->status;
  p_->pfd.set_deadline(side::read, d);
  const int fd = p_->pfd.fd();
  auto r = p_->pfd.io(side::read, [&]() -> ssize_t {
    int got = p_->try_reap(fd);
    if (got == 0) errno = EAGAIN;  // still running: wait for the pidfd to become readable
    return got > 0 ? 0 : -1;
  });
  if (!r) return fail(r.error());
  return p_->status;
}

}  // namespace conduit::os
