// conduit::rw_mutex: a reader/writer lock, Go's sync.RWMutex with a C++ face.
//
// Any number of readers or one writer hold it at a time. It is Lockable and SharedLockable
// (and timed), so std::unique_lock, std::scoped_lock and std::shared_lock work with it:
//
//   conduit::rw_mutex mu;
//   std::map<std::string, int> table CONDUIT_GUARDED_BY(mu);
//
//   int get(const std::string& k) {
//     std::shared_lock lock(mu);            // many readers at once
//     auto it = table.find(k);
//     return it == table.end() ? 0 : it->second;
//   }
//   void put(const std::string& k, int v) {
//     std::scoped_lock lock(mu);            // one writer, no readers
//     table[k] = v;
//   }
//
// Fairness, as Go's: once a writer is waiting, new readers block until that writer has had
// the lock, so a stream of readers cannot starve a writer. When a writer unlocks, the readers
// that queued behind it get the lock together (it is handed to them) before the next writer,
// so writers cannot starve readers either. Writers among themselves are ordered by a
// conduit::mutex (with its starvation mode).
//
// Consequence (also Go's): read locks are not recursive. A reader that takes the read lock
// again while a writer waits deadlocks, because the second read waits for the writer, which
// waits for the first read.
//
// Like conduit::mutex it is not bound to a thread: one thread may lock and another unlock.
//
// Thread safety: every member function may be called from any thread.
#ifndef CONDUIT_SYNC_RW_MUTEX_HPP
#define CONDUIT_SYNC_RW_MUTEX_HPP

#include <atomic>
#include <chrono>
#include <conduit/internal/thread_annotations.hpp>
#include <conduit/sync/mutex.hpp>
#include <conduit/time.hpp>
#include <cstdint>

namespace conduit {

class CONDUIT_CAPABILITY("mutex") rw_mutex {
 public:
  constexpr rw_mutex() noexcept = default;
  rw_mutex(const rw_mutex&) = delete;
  rw_mutex& operator=(const rw_mutex&) = delete;
  // Precondition: not held, with no waiter.
  ~rw_mutex() = default;

  // Locks for writing (Go's Lock).
  // Blocks:  until no reader and no other writer holds it. From the moment it starts
  //          waiting for readers to leave, new readers block.
  // Context: any thread. Locking it while holding it (in either mode) deadlocks.
  void lock() noexcept CONDUIT_ACQUIRE();

  // Locks for writing if that is possible at once (Go's TryLock).
  // Blocks:  never. Returns true if the caller now holds it for writing.
  [[nodiscard]] bool try_lock() noexcept CONDUIT_TRY_ACQUIRE(true);

  // Locks for writing unless the deadline passes first.
  // Blocks:   until acquired or the deadline.
  // Deadline: returns false; the caller holds nothing, and readers it held back proceed.
  [[nodiscard]] bool try_lock_until(deadline d) noexcept CONDUIT_TRY_ACQUIRE(true);
  template <class Rep, class Period>
  [[nodiscard]] bool try_lock_for(std::chrono::duration<Rep, Period> timeout) noexcept
      CONDUIT_TRY_ACQUIRE(true) {
    return try_lock_until(deadline::after(timeout));
  }

  // Unlocks for writing (Go's Unlock); readers that queued behind the writer get the lock.
  // Blocks:       never.
  // Precondition: locked for writing; otherwise aborts with
  //               "sync: unlock of unlocked rw_mutex".
  void unlock() noexcept CONDUIT_RELEASE();

  // Locks for reading (Go's RLock).
  // Blocks:  while a writer holds it or waits for it.
  // Context: any thread. Not recursive while a writer may wait (see the overview).
  void lock_shared() noexcept CONDUIT_ACQUIRE_SHARED() {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    if ((s & kWriter) == 0 &&
        state_.compare_exchange_weak(s, s + kReader, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
      return;
    }
    (void)lock_shared_slow(deadline::never());
  }

  // Locks for reading if no writer holds it or waits for it (Go's TryRLock).
  // Blocks: never. Returns true if the caller now holds it for reading.
  [[nodiscard]] bool try_lock_shared() noexcept CONDUIT_TRY_ACQUIRE_SHARED(true) {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    while ((s & kWriter) == 0) {
      if (state_.compare_exchange_weak(s, s + kReader, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }

  // Locks for reading unless the deadline passes first.
  // Blocks:   until acquired or the deadline.
  // Deadline: returns false and the caller holds nothing.
  [[nodiscard]] bool try_lock_shared_until(deadline d) noexcept CONDUIT_TRY_ACQUIRE_SHARED(true) {
    if (try_lock_shared()) return true;
    return lock_shared_slow(d);
  }
  template <class Rep, class Period>
  [[nodiscard]] bool try_lock_shared_for(std::chrono::duration<Rep, Period> timeout) noexcept
      CONDUIT_TRY_ACQUIRE_SHARED(true) {
    return try_lock_shared_until(deadline::after(timeout));
  }

  // Unlocks for reading (Go's RUnlock); the last reader out wakes a waiting writer.
  // Blocks:       never.
  // Precondition: locked for reading; otherwise aborts with
  //               "sync: unlock_shared of unlocked rw_mutex".
  void unlock_shared() noexcept CONDUIT_RELEASE_SHARED() {
    const std::uint32_t s = state_.fetch_sub(kReader, std::memory_order_release);
    if ((s & kWriter) != 0 || s < kReader) unlock_shared_slow(s);
  }

 private:
  // The state word; its states are documented in src/sync/rw_mutex.cpp.
  static constexpr std::uint32_t kWriter = 1;         // a writer holds it or waits for readers
  static constexpr std::uint32_t kReadersParked = 2;  // readers may be parked on &state_
  static constexpr std::uint32_t kReader = 4;         // one reader (count in bits 2..31)

  bool lock_shared_slow(deadline d) noexcept;
  void unlock_shared_slow(std::uint32_t seen) noexcept;
  bool wait_for_readers(deadline d) noexcept;
  void release_writer() noexcept;
  const void* writer_key() const noexcept { return reinterpret_cast<const char*>(&state_) + 1; }

  mutex writers_;  // held by the writer, and by the one writer that waits for readers
  std::atomic<std::uint32_t> state_{0};
};

}  // namespace conduit

#endif  // CONDUIT_SYNC_RW_MUTEX_HPP
