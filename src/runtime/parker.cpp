// The thread implementation of park / unpark / wait_fd.
//
// Invariants (state_ of one parker):
//   kEmpty    -> kParked    owner, before futex_wait
//   kEmpty    -> kParkedFd  owner, before ppoll on {fd, wake_fd_}
//   any       -> kNotified  any thread, in unpark(); the previous state says how to wake:
//                           kParked: futex_wake; kParkedFd: write wake_fd_ exactly once
//   kNotified -> kEmpty     owner, consuming the permit
//   kParked / kParkedFd -> kEmpty  owner, after a timeout or a spurious return
// The owner that leaves kParkedFd and finds kNotified reads wake_fd_ once (blocking until the
// waker's write lands), so wake_fd_ is always drained and never written after the owner has
// gone on.
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <conduit/runtime/park.hpp>
#include <cstdlib>
#include <thread>

#include "runtime/futex.hpp"
#include "runtime/spin.hpp"

namespace conduit::runtime {
namespace {

std::int64_t initial_spin_ns() noexcept {
  if (const char* s = std::getenv("CONDUIT_SPIN_NS")) {
    char* end = nullptr;
    long long v = std::strtoll(s, &end, 10);
    if (end != s && v >= 0) return v;
  }
  return std::thread::hardware_concurrency() > 1 ? 10'000 : 0;
}

std::atomic<std::int64_t>& spin_ns() noexcept {
  static std::atomic<std::int64_t> v{initial_spin_ns()};
  return v;
}

}  // namespace

void set_spin_budget(std::chrono::nanoseconds budget) noexcept {
  spin_ns().store(budget.count() < 0 ? 0 : budget.count(), std::memory_order_relaxed);
}

std::chrono::nanoseconds spin_budget() noexcept {
  return std::chrono::nanoseconds(spin_ns().load(std::memory_order_relaxed));
}

parker::~parker() {
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

parker& current() noexcept {
  thread_local parker p;
  return p;
}

bool parker::spin_for_permit() noexcept {
  detail::spinner sp = detail::spinner::begin();
  while (sp.active()) {
    for (int i = 0; i < 64; ++i) {
      if (state_.load(std::memory_order_relaxed) == kNotified) {
        std::int32_t s = kNotified;
        if (state_.compare_exchange_strong(s, kEmpty, std::memory_order_acquire)) {
          sp.succeeded();
          return true;
        }
      }
      cpu_relax();
    }
    if (!sp.keep_going()) return false;
  }
  return false;
}

bool parker::park(deadline d) noexcept {
  std::int32_t s = kNotified;
  if (state_.compare_exchange_strong(s, kEmpty, std::memory_order_acquire)) return true;
  if (d.passed()) return false;
  if (spin_for_permit()) return true;
  s = kEmpty;
  if (!state_.compare_exchange_strong(s, kParked, std::memory_order_acq_rel)) {
    // s == kNotified: an unpark arrived while we spun.
    state_.exchange(kEmpty, std::memory_order_acquire);
    return true;
  }
  detail::futex_wait(&state_, static_cast<std::uint32_t>(kParked), d);
  return state_.exchange(kEmpty, std::memory_order_acq_rel) == kNotified;
}

int parker::wake_fd() noexcept {
  if (wake_fd_ < 0) wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  return wake_fd_;
}

fd_wait parker::wait_fd(int fd, interest what, deadline d) noexcept {
  std::int32_t s = kNotified;
  if (state_.compare_exchange_strong(s, kEmpty, std::memory_order_acquire)) {
    return fd_wait::unparked;
  }
  if (d.passed()) return fd_wait::timeout;
  int efd = wake_fd();
  pollfd fds[2] = {
      {fd, static_cast<short>(what == interest::read ? POLLIN : POLLOUT), 0},
      {efd, POLLIN, 0},
  };
  nfds_t nfds = efd >= 0 ? 2 : 1;
  // Without an eventfd (EMFILE), sleep in slices so that unpark is seen within 10 ms.
  deadline until =
      efd >= 0 ? d : deadline::earlier(d, deadline::after(std::chrono::milliseconds(10)));
  timespec rel;
  timespec* relp = nullptr;
  if (!until.is_never()) {
    auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(until.remaining()).count();
    rel = timespec{static_cast<time_t>(left / 1'000'000'000),
                   static_cast<long>(left % 1'000'000'000)};
    relp = &rel;
  }
  s = kEmpty;
  if (!state_.compare_exchange_strong(s, kParkedFd, std::memory_order_acq_rel)) {
    state_.exchange(kEmpty, std::memory_order_acquire);
    return fd_wait::unparked;
  }
  int r = ::ppoll(fds, nfds, relp, nullptr);
  int saved_errno = errno;
  if (state_.exchange(kEmpty, std::memory_order_acq_rel) == kNotified) {
    if (efd >= 0) {
      // The waker moved kParkedFd -> kNotified: its single write is due; take it.
      std::uint64_t v;
      while (::read(efd, &v, sizeof v) < 0) {
        if (errno == EAGAIN) {
          pollfd one{efd, POLLIN, 0};
          ::poll(&one, 1, -1);
        } else if (errno != EINTR) {
          break;
        }
      }
    }
    return fd_wait::unparked;
  }
  if (r > 0 && fds[0].revents != 0) return fd_wait::ready;
  if (r == 0 && d.passed()) return fd_wait::timeout;
  (void)saved_errno;  // EINTR (a signal) or a slice end: spurious
  return fd_wait::spurious;
}

void parker::unpark() noexcept {
  std::int32_t prev = state_.exchange(kNotified, std::memory_order_acq_rel);
  if (prev == kParked) {
    detail::futex_wake(&state_, 1);
  } else if (prev == kParkedFd) {
    std::uint64_t one = 1;
    // wake_fd_ was set before the owner published kParkedFd (acquire above).
    while (::write(wake_fd_, &one, sizeof one) < 0 && errno == EINTR) {
    }
  }
}

}  // namespace conduit::runtime
