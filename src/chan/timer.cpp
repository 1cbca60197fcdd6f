// Timers on the runtime's timer heap.
//
// Invariants: a timer_state's fields are guarded by its lock. `gen` counts stop/reset calls;
// a scheduled callback carries the gen it was scheduled under and delivers only if that is
// still current, under the same lock, so that after stop() or reset() returns no value from
// before it can be sent (and the channel was drained of one that was).
#include <conduit/runtime/park.hpp>
#include <conduit/timer.hpp>
#include <mutex>

#include "runtime/timer_queue.hpp"
#include "runtime/word_lock.hpp"

namespace conduit {
namespace internal {

struct timer_state : std::enable_shared_from_this<timer_state> {
  runtime::detail::word_lock mu;
  chan<clock::time_point> ch{1};
  std::uint64_t gen = 0;
  runtime::timer_queue::id id = 0;
  bool active = false;
  clock::duration period{0};  // > 0 for a ticker
  std::int64_t when = 0;      // the scheduled time (ns) of the pending firing

  // With mu held.
  void schedule(std::int64_t at) {
    when = at;
    active = true;
    std::weak_ptr<timer_state> self = weak_from_this();
    std::uint64_t g = gen;
    id = runtime::timer_queue::global().add(deadline::from_ns(at), [self, g] {
      if (auto st = self.lock()) st->fire(g);
    });
  }
  // With mu held: no pending firing, no stale value.
  void disarm() noexcept {
    ++gen;
    if (active) runtime::timer_queue::global().cancel(id);
    active = false;
    (void)ch.try_recv();
  }
  void fire(std::uint64_t g) {
    std::lock_guard<runtime::detail::word_lock> lk(mu);
    if (g != gen || !active) return;
    auto now = clock::now();
    (void)ch.try_send(now);  // full: the receiver is slow; drop the tick, as Go
    if (period.count() == 0) {
      active = false;
      return;
    }
    std::int64_t p = std::chrono::duration_cast<std::chrono::nanoseconds>(period).count();
    std::int64_t now_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
    std::int64_t next = when + p;
    if (next <= now_ns) next += ((now_ns - next) / p + 1) * p;  // skip missed ticks
    schedule(next);
  }
};

namespace {
std::int64_t ns_after(clock::duration d) { return deadline::after(d).to_ns(); }
}  // namespace

}  // namespace internal

chan<clock::time_point> after(clock::duration d) {
  chan<clock::time_point> ch(1);
  runtime::timer_queue::global().add(deadline::after(d),
                                     [ch]() mutable { (void)ch.try_send(clock::now()); });
  return ch;
}

timer::timer(clock::duration d) : st_(std::make_shared<internal::timer_state>()) {
  std::lock_guard<runtime::detail::word_lock> lk(st_->mu);
  st_->schedule(internal::ns_after(d));
}
timer::timer(timer&&) noexcept = default;
timer& timer::operator=(timer&& o) noexcept {
  if (this != &o) {
    if (st_) stop();
    st_ = std::move(o.st_);
  }
  return *this;
}
timer::~timer() {
  if (st_) {
    std::lock_guard<runtime::detail::word_lock> lk(st_->mu);
    ++st_->gen;
    if (st_->active) runtime::timer_queue::global().cancel(st_->id);
    st_->active = false;
  }
}
const chan<clock::time_point>& timer::c() const noexcept { return st_->ch; }
bool timer::stop() noexcept {
  std::lock_guard<runtime::detail::word_lock> lk(st_->mu);
  // Go 1.23: a fired timer whose value nobody received is still active (the value is dropped).
  bool was = st_->active || st_->ch.size() > 0;
  st_->disarm();
  return was;
}
bool timer::reset(clock::duration d) {
  std::lock_guard<runtime::detail::word_lock> lk(st_->mu);
  bool was = st_->active || st_->ch.size() > 0;
  st_->disarm();
  st_->schedule(internal::ns_after(d));
  return was;
}

ticker::ticker(clock::duration period) : st_(std::make_shared<internal::timer_state>()) {
  if (period.count() <= 0) fatal("non-positive interval for ticker");
  std::lock_guard<runtime::detail::word_lock> lk(st_->mu);
  st_->period = period;
  st_->schedule(internal::ns_after(period));
}
ticker::ticker(ticker&&) noexcept = default;
ticker& ticker::operator=(ticker&& o) noexcept {
  if (this != &o) {
    if (st_) stop();
    st_ = std::move(o.st_);
  }
  return *this;
}
ticker::~ticker() {
  if (st_) stop();
}
const chan<clock::time_point>& ticker::c() const noexcept { return st_->ch; }
void ticker::stop() noexcept {
  std::lock_guard<runtime::detail::word_lock> lk(st_->mu);
  st_->disarm();
}
void ticker::reset(clock::duration period) {
  if (period.count() <= 0) fatal("non-positive interval for ticker.reset");
  std::lock_guard<runtime::detail::word_lock> lk(st_->mu);
  st_->disarm();
  st_->period = period;
  st_->schedule(internal::ns_after(period));
}

void sleep_until(deadline d) noexcept {
  while (!d.passed()) runtime::park(d);
}
void sleep_for(clock::duration d) noexcept { sleep_until(deadline::after(d)); }

}  // namespace conduit
