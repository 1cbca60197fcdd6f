// conduit::ranked_mutex: a conduit::mutex with a rank and a name, for fixed-order locking.
//
// The classic way to rule out deadlock between locks is to give every lock a place in one
// global order and always take them in that order. A ranked_mutex carries its place (its
// rank) and a name, and the lock-order checker (lock_order.hpp) reports, where it happens and
// naming both locks, any blocking lock() taken against the order: a lock whose rank is not
// strictly above every ranked lock the thread already holds. In its graph mode the checker
// also reports a potential deadlock (a cycle in the order locks were taken, across threads)
// the first time it becomes possible, even on runs that do not deadlock.
//
//   conduit::ranked_mutex registry_mu(10, "registry");
//   conduit::ranked_mutex account_mu(20, "account");
//
//   void ok() {
//     std::scoped_lock a(registry_mu);   // rank 10
//     std::scoped_lock b(account_mu);    // rank 20 > 10: fine
//   }
//   void wrong() {
//     std::scoped_lock b(account_mu);    // rank 20
//     std::scoped_lock a(registry_mu);   // reported: acquiring "registry" (rank 10) while
//   }                                    //           holding "account" (rank 20)
//
// Locks of equal rank cannot be nested with lock(); take them together with lock_all(), whose
// try_locks are never reported (a try_lock cannot block), or give them distinct ranks (e.g.
// an account's rank from its id, and lock the lower first).
//
// Go has no ranked mutex; its runtime uses the same idea internally (lockrank.go).
//
// Thread safety: every member function may be called from any thread. With checks on, a
// ranked_mutex is unlocked by the thread that locked it (the checker tracks held locks per
// thread).
#ifndef CONDUIT_SYNC_RANKED_MUTEX_HPP
#define CONDUIT_SYNC_RANKED_MUTEX_HPP

#include <atomic>
#include <chrono>
#include <conduit/internal/thread_annotations.hpp>
#include <conduit/sync/lock_order.hpp>
#include <conduit/sync/mutex.hpp>
#include <conduit/time.hpp>
#include <cstdint>

namespace conduit {

class ranked_mutex;

namespace lock_order::internal {
void before_blocking_lock(const ranked_mutex& m) noexcept;
void acquired(ranked_mutex& m) noexcept;
void released(ranked_mutex& m) noexcept;
void forget(const ranked_mutex& m) noexcept;
}  // namespace lock_order::internal

class CONDUIT_CAPABILITY("mutex") ranked_mutex {
 public:
  // A mutex of the given rank. name must outlive the mutex (a string literal, typically);
  // it names the lock in reports.
  ranked_mutex(int rank, const char* name) noexcept;
  ranked_mutex(const ranked_mutex&) = delete;
  ranked_mutex& operator=(const ranked_mutex&) = delete;
  // Precondition: unlocked, with no waiter. Forgets the mutex's edges in the checker's graph.
  ~ranked_mutex();

  // Locks the mutex, first checking the lock order (see lock_order.hpp).
  // Blocks:       until acquired.
  // Errors:       a lock-order violation is reported to the handler before blocking; the
  //               default handler aborts ("conduit: lock order: ...").
  // Precondition: as conduit::mutex::lock.
  void lock() noexcept CONDUIT_ACQUIRE() {
    if (lock_order::internal::enabled.load(std::memory_order_relaxed) != 0) {
      lock_order::internal::before_blocking_lock(*this);
      mu_.lock();
      lock_order::internal::acquired(*this);
      return;
    }
    mu_.lock();
  }

  // Locks the mutex if it is free. Never reported (it cannot block); the lock counts as
  // held for later checks.
  // Blocks: never.
  [[nodiscard]] bool try_lock() noexcept CONDUIT_TRY_ACQUIRE(true) {
    if (!mu_.try_lock()) return false;
    if (lock_order::internal::enabled.load(std::memory_order_relaxed) != 0) {
      lock_order::internal::acquired(*this);
    }
    return true;
  }

  // Locks the mutex unless the deadline passes first; checked as lock() (it may block).
  // Blocks:   until acquired or the deadline.
  // Deadline: returns false and the caller holds nothing.
  [[nodiscard]] bool try_lock_until(deadline d) noexcept CONDUIT_TRY_ACQUIRE(true) {
    const bool checking = lock_order::internal::enabled.load(std::memory_order_relaxed) != 0;
    if (checking) lock_order::internal::before_blocking_lock(*this);
    if (!mu_.try_lock_until(d)) return false;
    if (checking) lock_order::internal::acquired(*this);
    return true;
  }
  template <class Rep, class Period>
  [[nodiscard]] bool try_lock_for(std::chrono::duration<Rep, Period> timeout) noexcept
      CONDUIT_TRY_ACQUIRE(true) {
    return try_lock_until(deadline::after(timeout));
  }

  // Unlocks the mutex.
  // Blocks:       never.
  // Precondition: locked, and (when it was locked with checks on) by this thread: otherwise
  //               aborts ("sync: unlock of unlocked mutex", or "lock order: ranked_mutex
  //               \"name\" unlocked by a thread that does not hold it").
  void unlock() noexcept CONDUIT_RELEASE() {
    if (tracked_) lock_order::internal::released(*this);
    mu_.unlock();
  }

  [[nodiscard]] int rank() const noexcept { return rank_; }
  [[nodiscard]] const char* name() const noexcept { return name_; }
  // The checker's identity of this mutex (unique in the process, never reused).
  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }

 private:
  friend void lock_order::internal::acquired(ranked_mutex&) noexcept;
  friend void lock_order::internal::released(ranked_mutex&) noexcept;

  mutex mu_;
  bool tracked_ = false;  // on the holder's held list; written only by the holder
  const int rank_;
  const char* const name_;
  const std::uint64_t id_;
};

}  // namespace conduit

#endif  // CONDUIT_SYNC_RANKED_MUTEX_HPP
