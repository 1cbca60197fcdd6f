// The two kernel waits outside park/wait_fd (see process_wait.hpp for why they live here).
#include "runtime/process_wait.hpp"

#include <cerrno>
#include <chrono>
#include <conduit/runtime/park.hpp>
#include <ctime>

#include "runtime/spin.hpp"

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

namespace conduit::runtime {
namespace {

// ThreadSanitizer's runtime (GCC 12's libtsan) does not intercept pthread_mutex_clocklock, so
// it would not see these acquisitions and would report every unlock: tell it by hand.
int clocklock(pthread_mutex_t* m, const timespec* ts) noexcept {
#if defined(__SANITIZE_THREAD__)
  __tsan_mutex_pre_lock(m, __tsan_mutex_try_lock);
  int r = ::pthread_mutex_clocklock(m, CLOCK_MONOTONIC, ts);
  const bool locked = r == 0 || r == EOWNERDEAD;
  __tsan_mutex_post_lock(m, __tsan_mutex_try_lock | (locked ? 0 : __tsan_mutex_try_lock_failed), 0);
  return r;
#else
  return ::pthread_mutex_clocklock(m, CLOCK_MONOTONIC, ts);
#endif
}

// Calls attempt() (a non-blocking try returning 0 or an errno) until it returns anything but
// `busy`, while the thread's adaptive spinner allows (at most the spin budget). Returns the
// last result.
template <class F>
int spin_try(F attempt, int busy) noexcept {
  int r = attempt();
  if (r != busy) return r;
  auto spin = detail::spinner::begin();
  while (spin.keep_going()) {
    for (int k = 0; k < 4; ++k) cpu_relax();
    r = attempt();
    if (r != busy) {
      spin.succeeded();
      return r;
    }
  }
  return r;
}

}  // namespace

int try_lock_robust_mutex(pthread_mutex_t* m) noexcept {
  const timespec past{0, 0};
  int r = clocklock(m, &past);
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
      r = clocklock(m, &ts);
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
