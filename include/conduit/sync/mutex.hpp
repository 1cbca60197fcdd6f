// conduit::mutex: a mutual-exclusion lock, Go's sync.Mutex with a C++ face.
//
// It is one byte, needs no initialisation beyond its constructor, and parks its waiters in
// the runtime's parking lot (runtime/parking_lot.hpp), so that it becomes task-aware when
// conduit's scheduler arrives. It is Lockable and TimedLockable, so std::scoped_lock,
// std::unique_lock and std::lock work with it. conduit::lock_guard is a scoped lock that
// clang's -Wthread-safety understands (libstdc++'s std::scoped_lock is not annotated):
//
//   conduit::mutex mu;
//   int balance CONDUIT_GUARDED_BY(mu) = 0;
//
//   void deposit(int n) {
//     conduit::lock_guard lock(mu);   // or std::scoped_lock lock(mu);
//     balance += n;
//   }
//
// Behaviour, as Go's:
// - Fast path: lock and unlock are one compare-and-swap each when there is no contention.
// - Contention: a locker spins briefly on the lock word, then parks. An unlock wakes one
//   parked waiter, which competes again with newly arriving lockers (throughput mode).
// - Starvation mode: once a queued waiter has waited more than 1 ms, each unlock hands the
//   mutex directly to the head of the FIFO queue (newly arriving lockers cannot take it in
//   between) until that waiter is served. So no waiter is overtaken forever.
// - Not recursive: locking a mutex that the caller already holds deadlocks.
// - Not bound to a thread: as in Go, one thread may lock and another unlock.
//
// Thread safety: every member function may be called from any thread.
#ifndef CONDUIT_SYNC_MUTEX_HPP
#define CONDUIT_SYNC_MUTEX_HPP

#include <atomic>
#include <chrono>
#include <conduit/internal/thread_annotations.hpp>
#include <conduit/time.hpp>
#include <cstdint>

namespace conduit {

class CONDUIT_CAPABILITY("mutex") mutex {
 public:
  constexpr mutex() noexcept = default;
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;
  // Precondition: unlocked, with no waiter (destroying a held mutex is undefined).
  ~mutex() = default;

  // Locks the mutex.
  // Blocks:  until the mutex is acquired (spins briefly, then parks).
  // Context: any thread. Locking a mutex the caller already holds deadlocks.
  void lock() noexcept CONDUIT_ACQUIRE() {
    std::uint8_t expected = 0;
    if (state_.compare_exchange_weak(expected, kLocked, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
      return;
    }
    lock_slow();
  }

  // Locks the mutex if it is free, as Go's TryLock.
  // Blocks:  never. Returns true if the caller now holds the mutex.
  [[nodiscard]] bool try_lock() noexcept CONDUIT_TRY_ACQUIRE(true) {
    std::uint8_t s = state_.load(std::memory_order_relaxed);
    while ((s & kLocked) == 0) {
      if (state_.compare_exchange_weak(s, static_cast<std::uint8_t>(s | kLocked),
                                       std::memory_order_acquire, std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }

  // Locks the mutex unless the deadline passes first.
  // Blocks:   until acquired or the deadline. A past deadline makes it try_lock.
  // Deadline: returns false and the caller does not hold the mutex.
  [[nodiscard]] bool try_lock_until(deadline d) noexcept CONDUIT_TRY_ACQUIRE(true) {
    std::uint8_t expected = 0;
    if (state_.compare_exchange_weak(expected, kLocked, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
      return true;
    }
    return lock_slow_until(d);
  }
  // try_lock_until(deadline::after(timeout)).
  template <class Rep, class Period>
  [[nodiscard]] bool try_lock_for(std::chrono::duration<Rep, Period> timeout) noexcept
      CONDUIT_TRY_ACQUIRE(true) {
    return try_lock_until(deadline::after(timeout));
  }

  // Unlocks the mutex and, if a locker is parked, wakes one (or hands it the mutex, in
  // starvation mode).
  // Blocks:       never.
  // Context:      any thread (need not be the one that locked it).
  // Precondition: the mutex is locked; unlocking an unlocked mutex aborts with
  //               "sync: unlock of unlocked mutex".
  void unlock() noexcept CONDUIT_RELEASE() {
    std::uint8_t expected = kLocked;
    if (state_.compare_exchange_strong(expected, 0, std::memory_order_release,
                                       std::memory_order_relaxed)) {
      return;
    }
    unlock_slow(expected);
  }

  // Whether the mutex is held by someone at the moment of the call. For assertions and
  // tests only: the answer may be stale at once.
  [[nodiscard]] bool is_locked() const noexcept {
    return (state_.load(std::memory_order_relaxed) & kLocked) != 0;
  }
  // Whether lockers may be parked waiting for it. For tests and diagnostics only.
  [[nodiscard]] bool has_waiters() const noexcept {
    return (state_.load(std::memory_order_relaxed) & kParked) != 0;
  }

 private:
  // The lock word. Its states are documented in src/sync/mutex.cpp.
  static constexpr std::uint8_t kLocked = 1;  // someone holds the mutex
  static constexpr std::uint8_t kParked = 2;  // waiters may be queued in the parking lot

  void lock_slow() noexcept;
  bool lock_slow_until(deadline d) noexcept;
  void unlock_slow(std::uint8_t seen) noexcept;

  std::atomic<std::uint8_t> state_{0};
};

// lock_guard: locks a Lockable (conduit::mutex, rw_mutex, ranked_mutex, ...) for its
// lifetime, as std::lock_guard, with clang thread-safety annotations.
// Thread safety: a guard is used by the thread that made it.
template <class Lockable>
class CONDUIT_SCOPED_CAPABILITY lock_guard {
 public:
  // Blocks: as m.lock().
  explicit lock_guard(Lockable& m) CONDUIT_ACQUIRE(m) : m_(m) { m_.lock(); }
  lock_guard(const lock_guard&) = delete;
  lock_guard& operator=(const lock_guard&) = delete;
  ~lock_guard() CONDUIT_RELEASE() { m_.unlock(); }

 private:
  Lockable& m_;
};

}  // namespace conduit

#endif  // CONDUIT_SYNC_MUTEX_HPP
