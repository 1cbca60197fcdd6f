// Waits on words that live in memory shared between processes (a futex without
// FUTEX_PRIVATE_FLAG), for ipc/: the shared-memory ring and process_cond sleep here, so that
// nothing in ipc/ calls futex(2) itself (DESIGN: every wait goes through runtime/).
//
// The word may sit in a mapping of a shared memory object at any address; two processes (or
// two mappings in one process) that map the same object at different addresses wait and wake
// on the same futex, since the kernel keys a shared futex by the object and offset.
//
// Thread safety: every function may be called from any thread, concurrently.
#ifndef CONDUIT_SRC_RUNTIME_SHARED_WAIT_HPP
#define CONDUIT_SRC_RUNTIME_SHARED_WAIT_HPP

#include <atomic>
#include <conduit/time.hpp>
#include <cstdint>

namespace conduit::runtime {

// Why wait_shared_word returned. Returns may be spurious: callers loop on their own condition.
enum class shared_wait : std::uint8_t {
  woken,        // a wake_shared_word (or a spurious wake-up) ended the sleep
  changed,      // the word no longer held `expected` when the sleep began
  timeout,      // the deadline passed
  interrupted,  // a signal handler ran
};

// Sleeps while word == expected, until a wake_shared_word on it, the deadline (absolute,
// CLOCK_MONOTONIC: no real-time clock is involved), or a signal. Does not spin: callers spin
// on their own condition for runtime::spin_budget() first.
// Blocks: yes, bounded by d. Context: any thread.
[[nodiscard]] shared_wait wait_shared_word(const std::atomic<std::uint32_t>& word,
                                           std::uint32_t expected, deadline d) noexcept;

// Wakes up to n sleepers on word, in every process that maps it. Returns how many woke.
// Blocks: never.
int wake_shared_word(const std::atomic<std::uint32_t>& word, int n) noexcept;

}  // namespace conduit::runtime

#endif  // CONDUIT_SRC_RUNTIME_SHARED_WAIT_HPP
