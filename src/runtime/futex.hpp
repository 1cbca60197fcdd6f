// Thin wrappers over futex(2). Private to the runtime: nothing else may wait on a futex.
#ifndef CONDUIT_SRC_RUNTIME_FUTEX_HPP
#define CONDUIT_SRC_RUNTIME_FUTEX_HPP

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <conduit/time.hpp>
#include <cstdint>

namespace conduit::runtime::detail {

// Sleeps while *word == expected, until woken, the absolute deadline (CLOCK_MONOTONIC), or a
// signal. Returns 0, or the errno: EAGAIN (value differed), ETIMEDOUT, EINTR.
// shared: the word lives in memory shared between processes.
inline int futex_wait(const void* word, std::uint32_t expected, deadline d,
                      bool shared = false) noexcept {
  int op = FUTEX_WAIT_BITSET | (shared ? 0 : FUTEX_PRIVATE_FLAG);
  timespec ts;
  timespec* tsp = nullptr;
  if (!d.is_never()) {
    ts = to_timespec(d);
    tsp = &ts;
  }
  long r = ::syscall(SYS_futex, word, op, expected, tsp, nullptr, FUTEX_BITSET_MATCH_ANY);
  return r == 0 ? 0 : errno;
}

// Wakes up to n sleepers on word. Returns how many woke.
inline int futex_wake(const void* word, int n, bool shared = false) noexcept {
  int op = FUTEX_WAKE | (shared ? 0 : FUTEX_PRIVATE_FLAG);
  long r = ::syscall(SYS_futex, word, op, n, nullptr, nullptr, 0);
  return r < 0 ? 0 : static_cast<int>(r);
}

}  // namespace conduit::runtime::detail

#endif  // CONDUIT_SRC_RUNTIME_FUTEX_HPP
