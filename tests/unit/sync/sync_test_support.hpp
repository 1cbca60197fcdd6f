// Helpers shared by the sync/ tests.
#ifndef CONDUIT_TESTS_UNIT_SYNC_SUPPORT_HPP
#define CONDUIT_TESTS_UNIT_SYNC_SUPPORT_HPP

#include <chrono>
#include <conduit/time.hpp>
#include <thread>

namespace conduit::test {

// Iteration counts are divided by this under the sanitizers (5-20x slower).
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
inline constexpr int kSanitizerDivisor = 10;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
inline constexpr int kSanitizerDivisor = 10;
#else
inline constexpr int kSanitizerDivisor = 1;
#endif
#else
inline constexpr int kSanitizerDivisor = 1;
#endif

constexpr int scaled(int n) { return n / kSanitizerDivisor > 0 ? n / kSanitizerDivisor : 1; }

// Polls pred until it holds or the deadline passes; returns pred's last value. For states
// that no primitive announces (e.g. "the writer is now waiting"): it yields between polls.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto d = deadline::after(limit);
  while (!pred()) {
    if (d.passed()) return pred();
    std::this_thread::yield();
  }
  return true;
}

// Busy-waits for about d (a critical section that takes time without sleeping).
inline void busy_for(std::chrono::nanoseconds d) {
  const auto end = clock::now() + d;
  while (clock::now() < end) {
  }
}

}  // namespace conduit::test

#endif  // CONDUIT_TESTS_UNIT_SYNC_SUPPORT_HPP
