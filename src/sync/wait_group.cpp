// conduit::wait_group: a counter and a "waiters" bit in one word.
//
// Invariants:
//   state_ = counter << 32 | kWaiters?
//     counter   the number of pending done()s, as a signed 32-bit value; never negative
//               (add() aborts first). Changed only by add() (fetch_add).
//     kWaiters  set by a waiter (CAS, only while counter != 0) before it parks on &state_.
//               Cleared by the add() that takes the counter to zero (fetch_and), just before
//               it wakes every waiter, or under the queue lock by a timed-out waiter that was
//               the last one queued.
//
//   No lost wake-up: a waiter parks only if, under the queue lock, it sees counter != 0 and
//   kWaiters set. The add() that makes the counter zero replaces a word that has kWaiters
//   (the waiter set it earlier in the word's modification order), so it calls unpark_all,
//   which takes the same lock and finds the waiter queued. A waiter that validated after that
//   add sees counter == 0 and does not park. Waking a waiter of a later round spuriously is
//   harmless: waiters loop on the counter.
#include <conduit/error.hpp>
#include <conduit/runtime/parking_lot.hpp>
#include <conduit/sync/wait_group.hpp>
#include <cstdint>

namespace conduit {

void wait_group::add(std::int32_t delta) noexcept {
  const std::uint64_t inc = static_cast<std::uint64_t>(static_cast<std::int64_t>(delta))
                            << kCountShift;
  const std::uint64_t old = state_.fetch_add(inc, std::memory_order_acq_rel);
  const std::int64_t count =
      static_cast<std::int64_t>(static_cast<std::int32_t>(old >> kCountShift)) + delta;
  if (count < 0) fatal("sync: negative wait_group counter");
  if (count > INT32_MAX) fatal("sync: wait_group counter overflow");
  if (count == 0 && (old & kWaiters) != 0) {
    state_.fetch_and(~kWaiters, std::memory_order_relaxed);
    (void)runtime::unpark_all(&state_);
  }
}

result<void> wait_group::wait_until(deadline d) noexcept {
  std::uint64_t s = state_.load(std::memory_order_acquire);
  for (;;) {
    if ((s >> kCountShift) == 0) return {};
    if (d.passed()) return unexpected(make_error_code(errc::timeout));
    if ((s & kWaiters) == 0) {
      if (!state_.compare_exchange_weak(s, s | kWaiters, std::memory_order_acquire,
                                        std::memory_order_acquire)) {
        continue;
      }
    }
    const runtime::park_result r = runtime::park_on(
        &state_,
        [this] {
          const std::uint64_t v = state_.load(std::memory_order_relaxed);
          return (v >> kCountShift) != 0 && (v & kWaiters) != 0;
        },
        [this](bool was_last) {
          if (was_last) state_.fetch_and(~kWaiters, std::memory_order_relaxed);
        },
        d);
    s = state_.load(std::memory_order_acquire);
    if (r.status == runtime::park_status::timeout && (s >> kCountShift) != 0) {
      return unexpected(make_error_code(errc::timeout));
    }
  }
}

}  // namespace conduit
