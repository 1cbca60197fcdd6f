// word_lock: the runtime's own small lock for its internal tables (parking-lot buckets,
// the timer heap). Held only for a few instructions; spins, then sleeps on a futex. It is the
// one lock below park(): everything above runtime/ uses conduit::mutex instead.
#ifndef CONDUIT_SRC_RUNTIME_WORD_LOCK_HPP
#define CONDUIT_SRC_RUNTIME_WORD_LOCK_HPP

#include <atomic>
#include <conduit/runtime/park.hpp>
#include <cstdint>

#include "runtime/futex.hpp"

namespace conduit::runtime::detail {

class word_lock {
 public:
  void lock() noexcept {
    std::uint32_t v = kFree;
    if (word_.compare_exchange_strong(v, kLocked, std::memory_order_acquire)) return;
    lock_slow();
  }
  void unlock() noexcept {
    if (word_.exchange(kFree, std::memory_order_release) == kContended) futex_wake(&word_, 1);
  }

 private:
  // Invariants: kFree: unlocked. kLocked: locked, no sleeper. kContended: locked, and a
  // sleeper may be on the futex (unlock must wake one).
  static constexpr std::uint32_t kFree = 0, kLocked = 1, kContended = 2;
  void lock_slow() noexcept {
    for (int i = 0; i < 200; ++i) {
      std::uint32_t v = word_.load(std::memory_order_relaxed);
      if (v == kFree && word_.compare_exchange_weak(v, kLocked, std::memory_order_acquire)) return;
      cpu_relax();
    }
    while (word_.exchange(kContended, std::memory_order_acquire) != kFree) {
      futex_wait(&word_, kContended, deadline::never());
    }
  }
  std::atomic<std::uint32_t> word_{kFree};
};

}  // namespace conduit::runtime::detail

#endif  // CONDUIT_SRC_RUNTIME_WORD_LOCK_HPP
