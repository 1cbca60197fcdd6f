// conduit::semaphore: a weighted semaphore, Go's golang.org/x/sync/semaphore.Weighted.
//
// It holds `capacity` units; acquire(n) takes n of them, waiting until they are free, and
// release(n) gives them back. It bounds concurrent use of a resource by weight, e.g. bytes of
// memory in flight or worker slots:
//
//   conduit::semaphore mem(64 << 20);                    // 64 MiB budget
//
//   result<void> handle(const request& r) {
//     if (auto ok = mem.acquire(r.size, deadline::after(1s)); !ok) return ok;  // errc::timeout
//     process(r);
//     mem.release(r.size);
//     return {};
//   }
//
// Fairness, as Weighted: waiters are served in FIFO order, and a waiter at the head that asks
// for more than is free blocks smaller requests behind it (so a large request is never starved
// by a stream of small ones). try_acquire does not overtake waiters either.
//
// Requests larger than the capacity can never succeed. Weighted makes such an Acquire wait
// until its context is done; conduit returns std::errc::invalid_argument at once instead,
// without waiting and without blocking other waiters (a wait that must end in a timeout helps
// nobody, and a never deadline would hang).
//
// Thread safety: every member function may be called from any thread. It must not be
// destroyed while a thread waits in acquire.
#ifndef CONDUIT_SYNC_SEMAPHORE_HPP
#define CONDUIT_SYNC_SEMAPHORE_HPP

#include <atomic>
#include <chrono>
#include <conduit/result.hpp>
#include <conduit/time.hpp>
#include <cstdint>

namespace conduit {

class semaphore {
 public:
  // A semaphore with `capacity` free units (Go's NewWeighted).
  // Precondition: 0 <= capacity < 2^62; otherwise aborts with
  //               "sync: semaphore capacity out of range".
  explicit semaphore(std::int64_t capacity) noexcept;
  semaphore(const semaphore&) = delete;
  semaphore& operator=(const semaphore&) = delete;
  ~semaphore() = default;

  // Acquires n units, waiting until they are free and every earlier waiter is served (Go's
  // Acquire). n == 0 succeeds at once.
  // Blocks:       until acquired, or the deadline.
  // Errors:       errc::timeout (the deadline passed first);
  //               std::errc::invalid_argument (n > capacity(): it could never succeed).
  // Deadline:     nothing was acquired; if this waiter was at the head of the queue, the
  //               waiters behind it that now fit are served.
  // Precondition: n >= 0; a negative n aborts with "sync: semaphore acquire of negative n".
  [[nodiscard]] result<void> acquire(std::int64_t n, deadline d = deadline::never()) noexcept;
  template <class Rep, class Period>
  [[nodiscard]] result<void> acquire_for(std::int64_t n,
                                         std::chrono::duration<Rep, Period> timeout) noexcept {
    return acquire(n, deadline::after(timeout));
  }

  // Acquires n units if they are free and nobody waits (Go's TryAcquire).
  // Blocks:       never. Returns true if the units were acquired.
  // Precondition: n >= 0 (aborts otherwise).
  [[nodiscard]] bool try_acquire(std::int64_t n) noexcept;

  // Releases n units and serves the waiters that now fit, in FIFO order (Go's Release).
  // Blocks:       never.
  // Precondition: 0 <= n, and the units held do not go below zero: releasing more than was
  //               acquired aborts with "sync: semaphore released more than held".
  void release(std::int64_t n) noexcept;

  // The capacity given to the constructor.
  [[nodiscard]] std::int64_t capacity() const noexcept { return capacity_; }
  // The units free at the moment of the call, for tests and diagnostics (stale at once).
  [[nodiscard]] std::int64_t available() const noexcept {
    return static_cast<std::int64_t>(state_.load(std::memory_order_relaxed) >> kFreeShift);
  }

 private:
  // state_ = free << 1 | kWaiters?; see src/sync/semaphore.cpp.
  static constexpr int kFreeShift = 1;
  static constexpr std::uint64_t kWaiters = 1;

  void serve_waiters() noexcept;

  const std::int64_t capacity_;
  std::atomic<std::uint64_t> state_;
};

}  // namespace conduit

#endif  // CONDUIT_SYNC_SEMAPHORE_HPP
