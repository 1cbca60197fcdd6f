#include "runtime/timer_queue.hpp"

#include <algorithm>
#include <conduit/runtime/park.hpp>
#include <mutex>
#include <thread>

namespace conduit::runtime {

timer_queue& timer_queue::global() {
  static timer_queue* q = new timer_queue();  // never destroyed, on purpose
  return *q;
}

void timer_queue::ensure_thread() {
  // Called with lock_ held.
  if (started_) return;
  started_ = true;
  std::thread([this] { run(); }).detach();
}

timer_queue::id timer_queue::add(deadline when, std::function<void()> fn) {
  std::int64_t at = when.to_ns();
  parker* wake = nullptr;
  id t;
  {
    std::lock_guard<detail::word_lock> g(lock_);
    ensure_thread();
    t = next_id_++;
    live_.emplace(t, std::move(fn));
    heap_.push_back({at, t});
    std::push_heap(heap_.begin(), heap_.end(), later{});
    if (at < sleeping_until_ && thread_parker_ != nullptr) {
      // The thread sleeps past this timer: wake it to re-arm (it stays registered until it
      // takes the lock again, so the parker is alive).
      wake = thread_parker_;
      sleeping_until_ = at;
    }
  }
  if (wake != nullptr) wake->unpark();
  return t;
}

bool timer_queue::cancel(id t) noexcept {
  std::lock_guard<detail::word_lock> g(lock_);
  // The heap entry stays and is skipped when it comes up.
  return live_.erase(t) != 0;
}

std::size_t timer_queue::pending() const noexcept {
  std::lock_guard<detail::word_lock> g(lock_);
  return live_.size();
}

void timer_queue::run() noexcept {
  parker& me = current();
  for (;;) {
    std::function<void()> fn;
    std::int64_t next = INT64_MAX;
    {
      std::lock_guard<detail::word_lock> g(lock_);
      std::int64_t now =
          std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now().time_since_epoch())
              .count();
      while (!heap_.empty()) {
        entry top = heap_.front();
        if (top.when > now) {
          next = top.when;
          break;
        }
        std::pop_heap(heap_.begin(), heap_.end(), later{});
        heap_.pop_back();
        auto it = live_.find(top.t);
        if (it == live_.end()) continue;  // cancelled
        fn = std::move(it->second);
        live_.erase(it);
        break;
      }
      if (!fn) {
        sleeping_until_ = next;
        thread_parker_ = &me;
      } else {
        thread_parker_ = nullptr;
        sleeping_until_ = INT64_MIN;  // awake: adders need not wake it
      }
    }
    if (fn) {
      fn();
      continue;
    }
    me.park(deadline::from_ns(next));
    // Whether woken by add() or by the deadline, loop: the heap decides. A permit from an
    // add() that raced with our wake-up is consumed by a later, harmlessly early, park.
  }
}

}  // namespace conduit::runtime
