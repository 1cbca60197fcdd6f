// conduit::wait_group: waits for a collection of threads (later: tasks) to finish, Go's
// sync.WaitGroup.
//
// The launcher add()s the number of workers, each worker calls done() when it finishes, and
// wait() blocks until the counter is back to zero:
//
//   conduit::wait_group wg;
//   for (int i = 0; i < 8; ++i) {
//     wg.add(1);                       // before starting the worker, as in Go
//     pool.emplace_back([&] { work(); wg.done(); });
//   }
//   wg.wait();                         // every done() happened before this returns
//
// Everything a worker did before its done() happens before the return of a wait() that it
// released. A wait_group may be reused once the counter is back to zero; as in Go, add()s of
// the next round must not race with wait()s of the previous one that are still returning.
//
// Thread safety: every member function may be called from any thread. The wait_group must not
// be destroyed while a thread is inside wait().
#ifndef CONDUIT_SYNC_WAIT_GROUP_HPP
#define CONDUIT_SYNC_WAIT_GROUP_HPP

#include <atomic>
#include <chrono>
#include <conduit/result.hpp>
#include <conduit/time.hpp>
#include <cstdint>

namespace conduit {

class wait_group {
 public:
  constexpr wait_group() noexcept = default;
  wait_group(const wait_group&) = delete;
  wait_group& operator=(const wait_group&) = delete;
  ~wait_group() = default;

  // Adds delta (which may be negative) to the counter; when it reaches zero, wakes every
  // waiter (Go's Add).
  // Blocks:       never.
  // Precondition: the counter stays >= 0 (and below 2^31); a negative counter aborts with
  //               "sync: negative wait_group counter".
  void add(std::int32_t delta) noexcept;

  // add(-1) (Go's Done).
  // Blocks:       never.
  // Precondition: the counter is positive; otherwise aborts as add().
  void done() noexcept { add(-1); }

  // Waits until the counter is zero (Go's Wait). Returns at once if it is zero.
  // Blocks:  until the counter is zero.
  // Context: any thread.
  void wait() noexcept { (void)wait_until(deadline::never()); }

  // As wait(), but gives up at the deadline. A past deadline checks the counter once.
  // Blocks:   until the counter is zero or the deadline.
  // Errors:   errc::timeout.
  // Deadline: the counter was not zero when it last looked; nothing changed.
  [[nodiscard]] result<void> wait_until(deadline d) noexcept;
  template <class Rep, class Period>
  [[nodiscard]] result<void> wait_for(std::chrono::duration<Rep, Period> timeout) noexcept {
    return wait_until(deadline::after(timeout));
  }

  // The counter, for tests and diagnostics: it may be stale at once.
  [[nodiscard]] std::int32_t count() const noexcept {
    return static_cast<std::int32_t>(state_.load(std::memory_order_relaxed) >> kCountShift);
  }

 private:
  // state_ = counter << 32 | kWaiters?; see src/sync/wait_group.cpp.
  static constexpr int kCountShift = 32;
  static constexpr std::uint64_t kWaiters = 1;  // a waiter may be parked on &state_

  std::atomic<std::uint64_t> state_{0};
};

}  // namespace conduit

#endif  // CONDUIT_SYNC_WAIT_GROUP_HPP
