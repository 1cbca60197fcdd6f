// conduit::rw_mutex: writer admission, reader parking, and the hand-off to readers.
//
// Invariants:
//   writers_ (a conduit::mutex) orders writers: only its holder sets kWriter.
//
//   state_ = readers * kReader | kReadersParked? | kWriter?
//     readers         threads holding the read lock (bits 2..31).
//     kWriter         set by the holder of writers_ (fetch_or) when it starts to wait for the
//                     readers to leave, and kept while it holds the write lock. While set, no
//                     reader enters (the reader fast path CASes only a word without it), so
//                     readers only decrease. The writer is active when kWriter is set and
//                     readers == 0. Cleared by unlock (or by a timed-out writer), under the
//                     readers' queue lock when readers are parked.
//     kReadersParked  set by a reader (CAS, outside the lock) before it parks on &state_,
//                     while kWriter is set. Cleared under the readers' queue lock: by the
//                     writer's release, which hands the lock to every parked reader, or by a
//                     timed-out reader that was the last one queued.
//
//   Keys: readers park on &state_; the (single) waiting writer parks on writer_key().
//
//   No lost wake-up for readers: a reader parks only if, under the readers' queue lock, it
//   sees kWriter and kReadersParked. The writer's release sees kReadersParked (it is set
//   before kWriter can be cleared, or its CAS fails and it re-reads) and takes the same lock.
//
//   No lost wake-up for the writer: it parks only if, under the writer's queue lock, it sees
//   readers != 0. The reader that brings readers to 0 sees kWriter in the value it replaced
//   and takes the same lock to wake it.
//
//   Hand-off: release_writer() counts the readers it unparks into state_ under the lock, and
//   gives them kHandoff: they return holding the read lock.
#include <algorithm>
#include <conduit/error.hpp>
#include <conduit/runtime/park.hpp>
#include <conduit/runtime/parking_lot.hpp>
#include <conduit/sync/rw_mutex.hpp>
#include <cstdint>

namespace conduit {
namespace {

constexpr std::uintptr_t kRetry = 0;
constexpr std::uintptr_t kHandoff = 1;

constexpr int kSpinRounds = 8;
constexpr int kMaxPausesPerRound = 64;

void backoff(int round) noexcept {
  const int pauses = std::min(1 << round, kMaxPausesPerRound);
  for (int i = 0; i < pauses; ++i) runtime::cpu_relax();
}

}  // namespace

bool rw_mutex::lock_shared_slow(deadline d) noexcept {
  const bool may_spin = runtime::spin_budget().count() > 0;
  int round = 0;
  std::uint32_t s = state_.load(std::memory_order_relaxed);
  for (;;) {
    if ((s & kWriter) == 0) {
      if (state_.compare_exchange_weak(s, s + kReader, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        return true;
      }
      continue;
    }
    if (!d.is_never() && d.passed()) return false;
    if ((s & kReadersParked) == 0 && may_spin && round < kSpinRounds) {
      backoff(round++);
      s = state_.load(std::memory_order_relaxed);
      continue;
    }
    if ((s & kReadersParked) == 0) {
      if (!state_.compare_exchange_weak(s, s | kReadersParked, std::memory_order_relaxed,
                                        std::memory_order_relaxed)) {
        continue;
      }
    }
    const runtime::park_result r = runtime::park_on(
        &state_,
        [this] {
          const std::uint32_t v = state_.load(std::memory_order_relaxed);
          return (v & kWriter) != 0 && (v & kReadersParked) != 0;
        },
        [this](bool was_last) {
          if (was_last) state_.fetch_and(~kReadersParked, std::memory_order_relaxed);
        },
        d);
    if (r.status == runtime::park_status::unparked && r.token == kHandoff) {
      (void)state_.load(std::memory_order_acquire);  // pairs with release_writer()
      return true;
    }
    round = 0;
    s = state_.load(std::memory_order_relaxed);
  }
}

void rw_mutex::unlock_shared_slow(std::uint32_t seen) noexcept {
  if (seen < kReader) fatal("sync: unlock_shared of unlocked rw_mutex");
  // seen has kWriter: a writer waits for the readers to leave. The last one wakes it.
  if (seen / kReader == 1) {
    (void)runtime::unpark_one(writer_key(),
                              [](runtime::unpark_result) -> std::uintptr_t { return kRetry; });
  }
}

bool rw_mutex::wait_for_readers(deadline d) noexcept {
  for (;;) {
    if (state_.load(std::memory_order_acquire) < kReader) return true;
    const runtime::park_result r = runtime::park_on(
        writer_key(), [this] { return state_.load(std::memory_order_relaxed) >= kReader; }, d);
    if (r.status == runtime::park_status::timeout) {
      return state_.load(std::memory_order_acquire) < kReader;
    }
  }
}

void rw_mutex::lock() noexcept {
  writers_.lock();
  const std::uint32_t s = state_.fetch_or(kWriter, std::memory_order_acquire);
  if (s >= kReader) (void)wait_for_readers(deadline::never());
}

bool rw_mutex::try_lock() noexcept {
  if (!writers_.try_lock()) return false;
  std::uint32_t s = state_.load(std::memory_order_relaxed);
  for (;;) {
    if (s >= kReader) {
      writers_.unlock();
      return false;
    }
    if (state_.compare_exchange_weak(s, s | kWriter, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
      return true;
    }
  }
}

bool rw_mutex::try_lock_until(deadline d) noexcept {
  if (!writers_.try_lock_until(d)) return false;
  const std::uint32_t s = state_.fetch_or(kWriter, std::memory_order_acquire);
  if (s < kReader || wait_for_readers(d)) return true;
  // Timed out with readers inside: withdraw, letting the readers held back in.
  release_writer();
  writers_.unlock();
  return false;
}

void rw_mutex::unlock() noexcept {
  const std::uint32_t s = state_.load(std::memory_order_relaxed);
  if ((s & kWriter) == 0 || s >= kReader) fatal("sync: unlock of unlocked rw_mutex");
  release_writer();
  writers_.unlock();
}

// Clears kWriter, handing the read lock to every parked reader.
void rw_mutex::release_writer() noexcept {
  std::uint32_t s = state_.load(std::memory_order_relaxed);
  while ((s & kReadersParked) == 0) {
    if (state_.compare_exchange_weak(s, s & ~kWriter, std::memory_order_release,
                                     std::memory_order_relaxed)) {
      return;
    }
  }
  (void)runtime::unpark_filter(
      &state_, [](std::uintptr_t) { return runtime::filter_op::unpark; },
      [this](runtime::unpark_result r) -> std::uintptr_t {
        std::uint32_t v = state_.load(std::memory_order_relaxed);
        const auto readers = static_cast<std::uint32_t>(r.unparked) * kReader;
        while (!state_.compare_exchange_weak(v, (v & ~(kWriter | kReadersParked)) + readers,
                                             std::memory_order_release,
                                             std::memory_order_relaxed)) {
        }
        return kHandoff;
      });
}

}  // namespace conduit
