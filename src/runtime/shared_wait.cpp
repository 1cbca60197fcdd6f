#include "runtime/shared_wait.hpp"

#include <cerrno>

#include "runtime/futex.hpp"

namespace conduit::runtime {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
                  std::atomic<std::uint32_t>::is_always_lock_free,
              "a futex word must be a plain 32-bit word");

shared_wait wait_shared_word(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                             deadline d) noexcept {
  if (d.passed()) return shared_wait::timeout;
  switch (detail::futex_wait(&word, expected, d, /*shared=*/true)) {
    case 0:
      return shared_wait::woken;
    case EAGAIN:
      return shared_wait::changed;
    case ETIMEDOUT:
      return shared_wait::timeout;
    case EINTR:
      return shared_wait::interrupted;
    default:
      // EFAULT/EINVAL cannot happen for a mapped, aligned word; report a spurious wake-up so
      // that the caller re-checks (and its deadline still bounds it).
      return shared_wait::woken;
  }
}

int wake_shared_word(const std::atomic<std::uint32_t>& word, int n) noexcept {
  return detail::futex_wake(&word, n, /*shared=*/true);
}

}  // namespace conduit::runtime
