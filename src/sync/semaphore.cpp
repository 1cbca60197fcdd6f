// conduit::semaphore: free units and a "waiters" bit in one word; the FIFO queue of waiters
// (each parked with its request n as park token) lives in the parking lot under key `this`.
//
// Invariants:
//   state_ = free << 1 | kWaiters?
//     free      units not held, 0 <= free <= capacity_.
//     kWaiters  set exactly when the queue on `this` is not empty, as seen under its lock: it
//               is set only under the lock (by an acquirer's validate, just before it is
//               queued) and cleared only under the lock (by serve_waiters when it empties the
//               queue, or by a timed-out waiter that was the last).
//
//   Who changes free:
//     - outside the lock, only while kWaiters is clear: try_acquire and the acquire fast path
//       (decrease), release (increase);
//     - outside the lock while kWaiters is set: release only (fetch_add, increase), which then
//       calls serve_waiters;
//     - under the lock: an acquirer's validate (decrease, only while kWaiters is clear) and
//       serve_waiters' callback (decrease by what it granted).
//   So while kWaiters is set, free only grows outside the lock, and serve_waiters may grant
//   from the value it read under the lock: a concurrent release that it missed calls
//   serve_waiters itself afterwards.
//
//   FIFO: nobody takes units while kWaiters is set except serve_waiters, which walks the queue
//   from the head and stops at the first waiter that does not fit.
//
//   No lost wake-up: a waiter queues only under the lock with kWaiters set; every release
//   after that sees kWaiters and serves the queue under the same lock.
#include <conduit/error.hpp>
#include <conduit/runtime/parking_lot.hpp>
#include <conduit/sync/semaphore.hpp>
#include <cstdint>
#include <system_error>

namespace conduit {
namespace {

constexpr std::uintptr_t kGranted = 1;  // the waiter's units were taken for it
constexpr std::int64_t kMaxCapacity = std::int64_t{1} << 62;

}  // namespace

semaphore::semaphore(std::int64_t capacity) noexcept
    : capacity_(capacity), state_(static_cast<std::uint64_t>(capacity) << kFreeShift) {
  if (capacity < 0 || capacity >= kMaxCapacity) fatal("sync: semaphore capacity out of range");
}

bool semaphore::try_acquire(std::int64_t n) noexcept {
  if (n < 0) fatal("sync: semaphore acquire of negative n");
  const std::uint64_t units = static_cast<std::uint64_t>(n) << kFreeShift;
  std::uint64_t s = state_.load(std::memory_order_relaxed);
  for (;;) {
    if ((s & kWaiters) != 0 || s < units) return false;
    if (state_.compare_exchange_weak(s, s - units, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
      return true;
    }
  }
}

result<void> semaphore::acquire(std::int64_t n, deadline d) noexcept {
  if (n < 0) fatal("sync: semaphore acquire of negative n");
  if (n == 0) return {};
  if (n > capacity_) return unexpected(std::make_error_code(std::errc::invalid_argument));
  if (try_acquire(n)) return {};
  const std::uint64_t units = static_cast<std::uint64_t>(n) << kFreeShift;
  for (;;) {
    if (d.passed()) return unexpected(make_error_code(errc::timeout));
    bool acquired = false;
    bool others_left = false;
    const runtime::park_result r = runtime::park_on(
        this,
        [&] {
          std::uint64_t s = state_.load(std::memory_order_relaxed);
          for (;;) {
            if ((s & kWaiters) == 0 && s >= units) {
              if (state_.compare_exchange_weak(s, s - units, std::memory_order_acquire,
                                               std::memory_order_relaxed)) {
                acquired = true;
                return false;
              }
              continue;
            }
            if ((s & kWaiters) != 0 ||
                state_.compare_exchange_weak(s, s | kWaiters, std::memory_order_relaxed,
                                             std::memory_order_relaxed)) {
              return true;
            }
          }
        },
        [&](bool was_last) {
          if (was_last) {
            state_.fetch_and(~kWaiters, std::memory_order_relaxed);
          } else {
            others_left = true;
          }
        },
        d, static_cast<std::uintptr_t>(n));
    if (acquired) return {};
    if (r.status == runtime::park_status::unparked && r.token == kGranted) {
      (void)state_.load(std::memory_order_acquire);  // pairs with serve_waiters' release
      return {};
    }
    if (r.status == runtime::park_status::timeout) {
      // If it was the head, waiters behind it may fit now.
      if (others_left) serve_waiters();
      return unexpected(make_error_code(errc::timeout));
    }
  }
}

void semaphore::release(std::int64_t n) noexcept {
  if (n < 0) fatal("sync: semaphore release of negative n");
  const std::uint64_t units = static_cast<std::uint64_t>(n) << kFreeShift;
  const std::uint64_t limit = static_cast<std::uint64_t>(capacity_) << kFreeShift;
  std::uint64_t s = state_.load(std::memory_order_relaxed);
  for (;;) {
    if ((s & ~kWaiters) + units > limit) fatal("sync: semaphore released more than held");
    if ((s & kWaiters) != 0) break;
    if (state_.compare_exchange_weak(s, s + units, std::memory_order_release,
                                     std::memory_order_relaxed)) {
      return;
    }
  }
  s = state_.fetch_add(units, std::memory_order_release);
  if ((s & ~kWaiters) + units > limit) fatal("sync: semaphore released more than held");
  serve_waiters();
}

// Grants units to the waiters at the head of the queue that fit, in FIFO order.
void semaphore::serve_waiters() noexcept {
  bool read = false;
  std::uint64_t free = 0;
  std::uint64_t granted = 0;
  (void)runtime::unpark_filter(
      this,
      [&](std::uintptr_t token) {
        if (!read) {
          free = state_.load(std::memory_order_acquire) >> kFreeShift;
          read = true;
        }
        const auto want = static_cast<std::uint64_t>(token);
        if (want > free) return runtime::filter_op::stop;
        free -= want;
        granted += want;
        return runtime::filter_op::unpark;
      },
      [&](runtime::unpark_result r) -> std::uintptr_t {
        std::uint64_t s = state_.load(std::memory_order_relaxed);
        for (;;) {
          std::uint64_t next = s - (granted << kFreeShift);
          next = r.have_more ? (next | kWaiters) : (next & ~kWaiters);
          if (state_.compare_exchange_weak(s, next, std::memory_order_acq_rel,
                                           std::memory_order_relaxed)) {
            return kGranted;
          }
        }
      });
}

}  // namespace conduit
