// conduit::cond: waiting on a generation word in the parking lot.
//
// Invariants:
//   waiters_     the number of threads inside wait_until between their increment (made with
//                the mutex held) and their return from park_on. signal()/broadcast() skip
//                all work when it is 0. A waiter's increment happens before its unlock of
//                the mutex, so any signaller that changed the condition under the mutex
//                after the waiter checked it sees waiters_ != 0.
//   generation_  bumped (fetch_add) by every signal/broadcast that saw waiters_ != 0, before
//                it takes the queue lock to wake; the parking-lot key of the waiters.
//
//   No lost wake-up: a waiter reads the generation while it holds the mutex, so before any
//   signal that announces a change it has not seen. It parks only if, under the queue lock,
//   the generation is still the one it read. A signal that bumped it before that validate
//   makes the waiter return at once; a signal that bumps it after finds the waiter queued
//   (its unpark takes the same lock after the bump). Waiters queue FIFO, so every queued
//   waiter that a signal is owed to is ahead of the waiters that came after the signal.
#include <conduit/error.hpp>
#include <conduit/runtime/parking_lot.hpp>
#include <conduit/sync/cond.hpp>
#include <cstdint>

namespace conduit {

// The analysis cannot see that mu_ is the caller's mutex: unlock-then-lock is the contract.
result<void> cond::wait_until(deadline d) noexcept CONDUIT_NO_THREAD_SAFETY_ANALYSIS {
  if (d.passed()) return unexpected(make_error_code(errc::timeout));
  waiters_.fetch_add(1, std::memory_order_seq_cst);
  const std::uint32_t gen = generation_.load(std::memory_order_relaxed);
  mu_.unlock();
  const runtime::park_result r = runtime::park_on(
      &generation_, [&] { return generation_.load(std::memory_order_relaxed) == gen; }, d);
  waiters_.fetch_sub(1, std::memory_order_relaxed);
  mu_.lock();
  if (r.status == runtime::park_status::timeout) return unexpected(make_error_code(errc::timeout));
  return {};
}

void cond::signal_slow() noexcept {
  generation_.fetch_add(1, std::memory_order_relaxed);
  (void)runtime::unpark_one(&generation_, [](runtime::unpark_result) -> std::uintptr_t {
    return runtime::kDefaultToken;
  });
}

void cond::broadcast_slow() noexcept {
  generation_.fetch_add(1, std::memory_order_relaxed);
  (void)runtime::unpark_all(&generation_);
}

}  // namespace conduit
