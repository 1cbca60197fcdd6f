// timer_queue: the runtime's one timer heap. Timers that fire callbacks (after, timer,
// ticker, and anything else that must happen at a time with nobody waiting) share one
// thread, started lazily, that sleeps through runtime::park until the earliest timer is due.
// Ten thousand live timers cost ten thousand heap entries, not threads.
//
// A caller that itself waits with a deadline (park, wait_fd, every blocking call) does not
// go through this heap: on threads the kernel's own timeout (futex, ppoll) bounds the wait
// at no extra cost and with no cross-thread hop. See docs/runtime.md.
//
// Callbacks run on the timer thread, one at a time: they must be short and must not block
// (a channel try_send, an unpark).
//
// Thread safety: every member may be called from any thread.
#ifndef CONDUIT_SRC_RUNTIME_TIMER_QUEUE_HPP
#define CONDUIT_SRC_RUNTIME_TIMER_QUEUE_HPP

#include <conduit/time.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

#include "runtime/word_lock.hpp"

namespace conduit::runtime {

class timer_queue {
 public:
  using id = std::uint64_t;

  // The process's timer queue. Never destroyed (its thread may outlive static destructors).
  static timer_queue& global();

  // Schedules fn to run at `when` (at once if it has passed). Returns its id (never 0).
  // Blocks: never (briefly takes the heap's lock). Errors: std::bad_alloc may propagate.
  id add(deadline when, std::function<void()> fn);

  // Cancels a pending timer. Returns true if it had not started firing (fn will not run),
  // false if it had already fired, is firing, or was cancelled. Does not wait for a running
  // fn. Blocks: never.
  bool cancel(id t) noexcept;

  // Number of pending timers. Blocks: never.
  [[nodiscard]] std::size_t pending() const noexcept;

 private:
  timer_queue() = default;
  void run() noexcept;
  void ensure_thread();

  struct entry {
    std::int64_t when;
    id t;
  };
  struct later {
    bool operator()(const entry& a, const entry& b) const noexcept {
      return a.when != b.when ? a.when > b.when : a.t > b.t;
    }
  };

  mutable detail::word_lock lock_;
  std::vector<entry> heap_;                             // guarded by lock_
  std::unordered_map<id, std::function<void()>> live_;  // guarded by lock_
  id next_id_ = 1;                                      // guarded by lock_
  std::int64_t sleeping_until_ = INT64_MAX;             // guarded by lock_
  class parker* thread_parker_ = nullptr;               // guarded by lock_
  bool started_ = false;                                // guarded by lock_
};

}  // namespace conduit::runtime

#endif  // CONDUIT_SRC_RUNTIME_TIMER_QUEUE_HPP
