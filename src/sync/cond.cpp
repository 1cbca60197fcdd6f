// conduit::cond: waiting on a generation word, spinning briefly, then in the parking lot.
//
// Invariants:
//   state_ = generation << 32 | waiters
//     waiters     the number of threads inside wait_until between their increment (made with
//                 the mutex held) and their return. signal()/broadcast() skip all work when
//                 it is 0. A waiter's increment happens before its unlock of the mutex, so
//                 any signaller that changed the condition under the mutex after the waiter
//                 checked it sees waiters != 0.
//     generation  bumped (fetch_add of 1 << 32, wrapping) by every signal/broadcast that saw
//                 waiters != 0. A waiter's increment of waiters also reads the generation it
//                 will wait for to move. &state_ is the parking-lot key of the waiters.
//   parked_       the number of waiters that passed validate (under the queue lock) and have
//                 not yet returned from park_on: a signal calls into the parking lot only when
//                 it is not 0. It may overcount (a woken waiter decrements it after it
//                 returns), never undercount a queued waiter.
//
//   A waiter reads the generation while it holds the mutex, so before any signal that
//   announces a change it has not seen; then it unlocks and waits for the generation to move:
//   first spinning on it briefly, then in the parking lot.
//
//   No lost wake-up: a waiter parks only if, under the queue lock, after incrementing
//   parked_, it still sees the generation it read. A signal bumps the generation and then
//   reads parked_ (all four accesses seq_cst). Either the waiter's generation load comes
//   after the bump in the single total order (it does not park), or the signal's load of
//   parked_ comes after the waiter's increment (the signal calls unpark_one, whose queue lock
//   it gets only after the waiter is queued, and wakes it or an earlier waiter). Waiters
//   queue FIFO, so every queued waiter that a signal is owed to is ahead of the waiters that
//   came after it.
//
//   One signal wakes one parked waiter, and also every waiter that is still in its spin phase
//   (they see the new generation). Callers loop on their condition, so that is harmless, and
//   the spin phase is short.
#include <algorithm>
#include <conduit/error.hpp>
#include <conduit/runtime/park.hpp>
#include <conduit/runtime/parking_lot.hpp>
#include <conduit/sync/cond.hpp>
#include <cstdint>

namespace conduit {

namespace {

// Rounds of spinning on the generation before parking: 1, 2, 4, ... 32 pause instructions
// (63 in all, about 2 us here): long enough to catch a signal from a running peer, short
// next to the parker's own spin budget.
constexpr int kSpinRounds = 6;
constexpr int kMaxPausesPerRound = 32;

}  // namespace

// The analysis cannot see that mu_ is the caller's mutex: unlock-then-lock is the contract.
result<void> cond::wait_until(deadline d) noexcept CONDUIT_NO_THREAD_SAFETY_ANALYSIS {
  if (d.passed()) return unexpected(make_error_code(errc::timeout));
  const std::uint64_t gen = state_.fetch_add(1, std::memory_order_seq_cst) >> 32;
  const auto moved = [&] { return (state_.load(std::memory_order_seq_cst) >> 32) != gen; };
  mu_.unlock();
  bool timed_out = false;
  bool woken = false;
  if (runtime::spin_budget().count() > 0) {
    for (int round = 0; round < kSpinRounds && !woken; ++round) {
      const int pauses = std::min(1 << round, kMaxPausesPerRound);
      for (int i = 0; i < pauses; ++i) runtime::cpu_relax();
      woken = moved();
    }
  }
  if (!woken) {
    const runtime::park_result r = runtime::park_on(
        &state_,
        [&] {
          parked_.fetch_add(1, std::memory_order_seq_cst);
          if (moved()) {
            parked_.fetch_sub(1, std::memory_order_relaxed);
            return false;
          }
          return true;
        },
        d);
    if (r.status != runtime::park_status::invalid) {
      parked_.fetch_sub(1, std::memory_order_relaxed);
    }
    timed_out = r.status == runtime::park_status::timeout;
  }
  state_.fetch_sub(1, std::memory_order_relaxed);
  mu_.lock();
  if (timed_out) return unexpected(make_error_code(errc::timeout));
  return {};
}

void cond::signal_slow() noexcept {
  state_.fetch_add(kGeneration, std::memory_order_seq_cst);
  if (parked_.load(std::memory_order_seq_cst) == 0) return;
  (void)runtime::unpark_one(
      &state_, [](runtime::unpark_result) -> std::uintptr_t { return runtime::kDefaultToken; });
}

void cond::broadcast_slow() noexcept {
  state_.fetch_add(kGeneration, std::memory_order_seq_cst);
  if (parked_.load(std::memory_order_seq_cst) == 0) return;
  (void)runtime::unpark_all(&state_);
}

}  // namespace conduit
