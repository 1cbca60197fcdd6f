// conduit::once: the first caller runs f; the others park until it finishes.
//
// Invariants:
//   state_ moves kIdle -> kRunning (CAS by the caller that will run f)
//                kRunning -> kRunningWaited (CAS by a caller that is about to park on &state_)
//                kRunning | kRunningWaited -> kDone (exchange by the runner; f returned)
//                kRunning | kRunningWaited -> kIdle (exchange by the runner; f threw)
//   and never leaves kDone. Only the runner leaves the running states, and it wakes every
//   parked caller when it replaced kRunningWaited.
//
//   No lost wake-up: a caller parks only if, under the queue lock, it sees kRunningWaited;
//   the runner's exchange then returns kRunningWaited and its unpark_all takes the same lock.
#include <conduit/runtime/parking_lot.hpp>
#include <conduit/sync/once.hpp>

namespace conduit {

void once::call_slow(internal::function_ref<void()> f) {
  std::uint32_t s = state_.load(std::memory_order_acquire);
  for (;;) {
    switch (s) {
      case kDone:
        return;
      case kIdle:
        if (!state_.compare_exchange_weak(s, kRunning, std::memory_order_acquire,
                                          std::memory_order_acquire)) {
          continue;
        }
        try {
          f();
        } catch (...) {
          if (state_.exchange(kIdle, std::memory_order_release) == kRunningWaited) {
            (void)runtime::unpark_all(&state_);
          }
          throw;
        }
        if (state_.exchange(kDone, std::memory_order_release) == kRunningWaited) {
          (void)runtime::unpark_all(&state_);
        }
        return;
      case kRunning:
        if (!state_.compare_exchange_weak(s, kRunningWaited, std::memory_order_acquire,
                                          std::memory_order_acquire)) {
          continue;
        }
        [[fallthrough]];
      default:  // kRunningWaited
        (void)runtime::park_on(
            &state_, [this] { return state_.load(std::memory_order_relaxed) == kRunningWaited; },
            deadline::never());
        s = state_.load(std::memory_order_acquire);
        break;
    }
  }
}

}  // namespace conduit
