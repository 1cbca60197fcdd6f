// conduit::once: runs a function exactly once, Go's sync.Once (and std::call_once).
//
//   conduit::once init_once;
//   config* cfg = nullptr;
//
//   const config& get_config() {
//     init_once.call([] { cfg = load_config(); });
//     return *cfg;              // every caller sees the initialised value
//   }
//
// The first call() runs f; concurrent callers wait (through the runtime's parking lot) until
// it has finished, and every later call returns at once. Everything f did happens before the
// return of every call() on the same once.
//
// Exceptions: if f throws, the exception propagates to the caller of that call(), and the
// once stays not done: the next call() (one of the waiting callers, or a later one) runs its
// own f, as with std::call_once. Go's Once differs here: a panicking f counts as done there.
//
// Calling call() on the same once from inside f deadlocks (as in Go).
//
// Thread safety: every member function may be called from any thread.
#ifndef CONDUIT_SYNC_ONCE_HPP
#define CONDUIT_SYNC_ONCE_HPP

#include <atomic>
#include <conduit/internal/function_ref.hpp>
#include <cstdint>
#include <functional>
#include <utility>

namespace conduit {

class once {
 public:
  constexpr once() noexcept = default;
  once(const once&) = delete;
  once& operator=(const once&) = delete;
  ~once() = default;

  // Runs f() if no call on this once has completed yet (Go's Do).
  // Blocks:  while another caller's f runs; never once done.
  // Errors:  what f throws propagates; the once then stays not done.
  // Context: any thread; not from inside f on the same once (deadlock).
  template <class F>
  void call(F&& f) {
    if (state_.load(std::memory_order_acquire) == kDone) return;
    call_slow([&f] { std::invoke(std::forward<F>(f)); });
  }

  // Whether a call has completed. Once it returns true, it stays true.
  [[nodiscard]] bool done() const noexcept {
    return state_.load(std::memory_order_acquire) == kDone;
  }

 private:
  // The state word; see src/sync/once.cpp.
  static constexpr std::uint32_t kIdle = 0;
  static constexpr std::uint32_t kRunning = 1;
  static constexpr std::uint32_t kRunningWaited = 2;
  static constexpr std::uint32_t kDone = 3;

  void call_slow(internal::function_ref<void()> f);

  std::atomic<std::uint32_t> state_{kIdle};
};

}  // namespace conduit

#endif  // CONDUIT_SYNC_ONCE_HPP
