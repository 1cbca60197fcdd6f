// conduit::cond: a condition variable bound to a conduit::mutex, Go's sync.Cond.
//
// Threads wait on a cond for a condition on data guarded by its mutex; whoever changes the
// data signals. The cond is built on a generation word and the runtime's parking lot: wait()
// reads the generation while it still holds the mutex, unlocks, spins briefly on the
// generation, then parks only if the generation is unchanged under the parking lot's queue
// lock; signal() and broadcast() bump the generation before they wake. So a signal that comes
// between the unlock and the park is never lost. Parked waiters are woken in FIFO order.
//
//   conduit::mutex mu;
//   conduit::cond not_empty(mu);
//   std::deque<int> queue;  // guarded by mu
//
//   int pop() {
//     std::scoped_lock lock(mu);
//     while (queue.empty()) not_empty.wait();   // or: not_empty.wait([&] { return ...; })
//     int v = queue.front();
//     queue.pop_front();
//     return v;
//   }
//   void push(int v) {
//     { std::scoped_lock lock(mu); queue.push_back(v); }
//     not_empty.signal();
//   }
//
// As with any condition variable, callers wait in a loop on their condition: a wait may
// return although the condition does not hold (another waiter got there first, or a signal
// that woke a parked waiter also ended the spin of a waiter that had just begun to wait).
// A signal or broadcast may be sent with or without holding the mutex, as long as the change
// it announces was made under the mutex.
//
// Thread safety: every member function may be called from any thread. The cond must not be
// destroyed while a thread waits on it; the mutex must outlive the cond.
#ifndef CONDUIT_SYNC_COND_HPP
#define CONDUIT_SYNC_COND_HPP

#include <atomic>
#include <chrono>
#include <conduit/internal/thread_annotations.hpp>
#include <conduit/result.hpp>
#include <conduit/sync/mutex.hpp>
#include <conduit/time.hpp>
#include <cstdint>

namespace conduit {

class cond {
 public:
  // A cond whose waiters hold mu (Go's sync.NewCond(&mu)).
  explicit cond(mutex& mu) noexcept : mu_(mu) {}
  cond(const cond&) = delete;
  cond& operator=(const cond&) = delete;
  ~cond() = default;

  // The mutex the cond is bound to (Go's c.L).
  [[nodiscard]] mutex& lock_ref() const noexcept { return mu_; }

  // Atomically unlocks the mutex and waits for signal() or broadcast(); locks the mutex
  // again before it returns (Go's Wait).
  // Blocks:       until woken by signal() or broadcast(), or spuriously (see the overview).
  // Context:      any thread holding the mutex.
  // Precondition: the caller holds the mutex. If the mutex is not locked at all it aborts
  //               with "sync: unlock of unlocked mutex"; if another thread holds it, the
  //               behaviour is undefined.
  void wait() noexcept { (void)wait_until(deadline::never()); }

  // Waits until pred() returns true: `while (!pred()) wait();`.
  // Blocks: until pred() holds. pred runs with the mutex held.
  template <class Pred>
  void wait(Pred pred) {
    while (!pred()) wait();
  }

  // As wait(), but gives up at the deadline.
  // Returns:  an empty result when woken by signal() or broadcast() (or spuriously), and
  //           errc::timeout when the deadline passed before a wake-up reached this waiter.
  //           Either way the mutex is held again on return. A signal that picks a waiter
  //           whose deadline has just passed counts as a wake-up: it is not lost.
  // Blocks:   until woken or the deadline; a past deadline returns errc::timeout at once
  //           (the mutex stays held throughout).
  // Errors:   errc::timeout.
  // Deadline: the waiter consumed no signal; the mutex is held again.
  // Precondition: as wait().
  [[nodiscard]] result<void> wait_until(deadline d) noexcept;
  // wait_until(deadline::after(timeout)).
  template <class Rep, class Period>
  [[nodiscard]] result<void> wait_for(std::chrono::duration<Rep, Period> timeout) noexcept {
    return wait_until(deadline::after(timeout));
  }

  // Wakes one waiter, if there is one (Go's Signal).
  // Blocks: never. Costs one atomic load when nobody waits.
  void signal() noexcept {
    if ((state_.load(std::memory_order_seq_cst) & kWaitersMask) != 0) signal_slow();
  }

  // Wakes every waiter (Go's Broadcast).
  // Blocks: never. Costs one atomic load when nobody waits.
  void broadcast() noexcept {
    if ((state_.load(std::memory_order_seq_cst) & kWaitersMask) != 0) broadcast_slow();
  }

 private:
  // state_ = generation << 32 | waiters; see src/sync/cond.cpp.
  static constexpr std::uint64_t kWaitersMask = 0xffff'ffff;
  static constexpr std::uint64_t kGeneration = std::uint64_t{1} << 32;

  void signal_slow() noexcept;
  void broadcast_slow() noexcept;

  mutex& mu_;
  // The generation (bumped by every signal and broadcast that finds waiters) and the number
  // of waiters; its address is the parking-lot key.
  std::atomic<std::uint64_t> state_{0};
  // Waiters queued in the parking lot (or just woken from it).
  std::atomic<std::uint32_t> parked_{0};
};

}  // namespace conduit

#endif  // CONDUIT_SYNC_COND_HPP
