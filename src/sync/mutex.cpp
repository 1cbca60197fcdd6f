// conduit::mutex: the slow paths (contention, parking, hand-off).
//
// Invariants:
//   state_ is one byte of two bits; the parking-lot key of its waiters is `this`.
//
//   kLocked  set: someone holds the mutex. Set by a locker's compare-and-swap (which may
//            overtake parked waiters: "barging"), or left set by an unlock that hands the
//            mutex to the waiter it wakes (starvation mode). Cleared only by unlock.
//   kParked  set: lockers may be queued on `this`. Set by a locker (CAS, outside the queue
//            lock) before it parks. Cleared only under the queue lock: by unlock's callback
//            when the waiter it wakes was the last one, or by a timed-out waiter that was the
//            last one.
//
//   States: 0 free; L held; L|P held with waiters; P free with waiters (an unlock woke one to
//   compete, and others remain; the next locker takes it as L|P).
//
//   No lost wake-up: a locker parks only if, under the queue lock, it sees exactly L|P. Any
//   unlock after that sees P, so it takes the slow path, whose unpark takes the same queue
//   lock and finds the locker queued.
//
//   Unlock's callback stores the new state plainly. While the unlocker holds L, the only
//   write outside the queue lock is a locker setting P (L -> L|P, after a timed-out last
//   waiter cleared it). Such a locker is not queued yet (it queues under the lock the callback
//   holds), so overwriting its P loses nothing: its validate sees the new state and it retries.
//
//   Hand-off (starvation mode): each waiter parks with a token that is the clock time (ns)
//   after which it is starving (1 ms after it first parked; a waiter that is woken, loses the
//   race and parks again keeps its time). An unlock that finds a starving waiter among the
//   first kStarvationScan queued keeps kLocked set and gives the head kHandoff: the head
//   returns owning the mutex, and no running locker can take it in between. Unlocks keep
//   handing off until no starving waiter is found, so the starving one is served within
//   (its place in the queue) unlocks.
#include <algorithm>
#include <chrono>
#include <conduit/error.hpp>
#include <conduit/runtime/park.hpp>
#include <conduit/runtime/parking_lot.hpp>
#include <conduit/sync/mutex.hpp>
#include <cstdint>

namespace conduit {
namespace {

constexpr std::uintptr_t kRetry = 0;    // woken to compete for the mutex
constexpr std::uintptr_t kHandoff = 1;  // woken as the owner of the mutex

// A waiter that has waited this long is starving (Go's starvationThresholdNs): while one is
// queued, unlocks hand the mutex to the head of the queue instead of letting lockers compete.
constexpr std::chrono::nanoseconds kStarvation = std::chrono::milliseconds(1);
// How many queued waiters an unlock looks at to find a starving one (under the queue lock).
constexpr int kStarvationScan = 16;

// Spinning on the lock word before parking: rounds of 1, 2, 4, ... pause instructions.
constexpr int kSpinRounds = 8;
constexpr int kMaxPausesPerRound = 64;

std::uint64_t now_ns() noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now().time_since_epoch())
          .count());
}

void backoff(int round) noexcept {
  const int pauses = std::min(1 << round, kMaxPausesPerRound);
  for (int i = 0; i < pauses; ++i) runtime::cpu_relax();
}

}  // namespace

void mutex::lock_slow() noexcept { (void)lock_slow_until(deadline::never()); }

bool mutex::lock_slow_until(deadline d) noexcept {
  const bool may_spin = runtime::spin_budget().count() > 0;
  int round = 0;
  std::uint64_t starve_at = 0;  // set when it first parks
  std::uint8_t s = state_.load(std::memory_order_relaxed);
  for (;;) {
    if ((s & kLocked) == 0) {
      if (state_.compare_exchange_weak(s, static_cast<std::uint8_t>(s | kLocked),
                                       std::memory_order_acquire, std::memory_order_relaxed)) {
        return true;
      }
      continue;
    }
    if (!d.is_never() && d.passed()) return false;
    // Spin only while nobody is queued: if someone is, the next unlock wakes the queue's
    // head, and a newcomer spinning beside it only steals its turn.
    if ((s & kParked) == 0 && may_spin && round < kSpinRounds) {
      backoff(round++);
      s = state_.load(std::memory_order_relaxed);
      continue;
    }
    if ((s & kParked) == 0) {
      if (!state_.compare_exchange_weak(s, static_cast<std::uint8_t>(s | kParked),
                                        std::memory_order_relaxed, std::memory_order_relaxed)) {
        continue;
      }
    }
    if (starve_at == 0) starve_at = now_ns() + static_cast<std::uint64_t>(kStarvation.count());
    const runtime::park_result r = runtime::park_on(
        this, [this] { return state_.load(std::memory_order_relaxed) == (kLocked | kParked); },
        [this](bool was_last) {
          if (was_last)
            state_.fetch_and(static_cast<std::uint8_t>(~kParked), std::memory_order_relaxed);
        },
        d, static_cast<std::uintptr_t>(starve_at));
    if (r.status == runtime::park_status::unparked && r.token == kHandoff) {
      // The unlocker kept kLocked set for us; pair with its release store.
      (void)state_.load(std::memory_order_acquire);
      return true;
    }
    round = 0;
    s = state_.load(std::memory_order_relaxed);
  }
}

void mutex::unlock_slow(std::uint8_t seen) noexcept {
  if ((seen & kLocked) == 0) fatal("sync: unlock of unlocked mutex");
  // seen == kLocked | kParked (see Invariants for what may change before the callback).
  const std::uint64_t now = now_ns();
  int seen_waiters = 0;
  std::uintptr_t head_token = 0;
  bool starving = false;
  (void)runtime::unpark_filter(
      this,
      [&](std::uintptr_t token) {
        if (seen_waiters++ == 0) {
          head_token = token;
          return runtime::filter_op::unpark;  // the head is the one woken
        }
        // Look behind the head (a bounded way) for a waiter that starves: one that lost a
        // race after a wake-up queued again at the tail.
        starving = now >= token;
        return starving || seen_waiters > kStarvationScan ? runtime::filter_op::stop
                                                          : runtime::filter_op::skip;
      },
      [&](runtime::unpark_result r) -> std::uintptr_t {
        if (r.unparked != 0 && (starving || now >= head_token)) {
          // Starvation mode: a waiter has waited over 1 ms. The head becomes the owner, and
          // so does the next head at the next unlock, until the starving waiter is served.
          state_.store(r.have_more ? static_cast<std::uint8_t>(kLocked | kParked) : kLocked,
                       std::memory_order_release);
          return kHandoff;
        }
        state_.store(r.have_more ? kParked : 0, std::memory_order_release);
        return kRetry;
      });
}

}  // namespace conduit
