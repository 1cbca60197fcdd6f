// The two kernel waits outside park/wait_fd (see process_wait.hpp for why they live here).
#include "runtime/process_wait.hpp"

#include <cerrno>
#include <chrono>
#include <conduit/runtime/park.hpp>
#include <ctime>

namespace conduit::runtime {
namespace {

// Calls attempt() (a non-blocking try returning 0 or an errno) until it returns anything but
// `busy`, for at most the spin budget. Returns the last result.
template <class F>
int spin_try(F attempt, int busy) noexcept {
  int r = attempt();
  if (r != busy) return r;
  const auto budget = spin_budget();
  if (budget.count() <= 0) return r;
  const auto start = clock::now();
  for (;;) {
    for (int k = 0; k < 32; ++k) cpu_relax();
    r = attempt();
    if (r != busy || clock::now() - start >= budget) return r;
  }
}

}  // namespace

int try_lock_robust_mutex(pthread_mutex_t* m) noexcept {
  const timespec past{0, 0};
  int r = ::pthread_mutex_clocklock(m, CLOCK_MONOTONIC, &past);
  return r == ETIMEDOUT ? EBUSY : r;
}

int lock_robust_mutex(pthread_mutex_t* m, deadline d) noexcept {
  int r = spin_try([m] { return try_lock_robust_mutex(m); }, EBUSY);
  if (r != EBUSY) return r;
  for (;;) {
    if (d.is_never()) {
      r = ::pthread_mutex_lock(m);
    } else {
      if (d.passed()) return ETIMEDOUT;
      timespec ts = to_timespec(d);
      r = ::pthread_mutex_clocklock(m, CLOCK_MONOTONIC, &ts);
    }
    if (r != EINTR) return r;
  }
}

int wait_semaphore(sem_t* s, deadline d) noexcept {
  int r = spin_try([s] { return ::sem_trywait(s) == 0 ? 0 : errno; }, EAGAIN);
  if (r != EAGAIN) return r;
  for (;;) {
    if (d.is_never()) {
      r = ::sem_wait(s) == 0 ? 0 : errno;
    } else {
      if (d.passed()) return ETIMEDOUT;
      timespec ts = to_timespec(d);
      r = ::sem_clockwait(s, CLOCK_MONOTONIC, &ts) == 0 ? 0 : errno;
    }
    if (r != EINTR) return r;
  }
}

}  // namespace conduit::runtime
