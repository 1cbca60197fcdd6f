// Timers: Go's time.After, time.NewTimer, time.NewTicker and time.Sleep, delivering on
// channels, all sharing the runtime's one timer heap and thread (ten thousand live timers are
// ten thousand heap entries, not threads).
//
//   conduit::select(conduit::recv_case(replies, on_reply),
//                   conduit::recv_case(conduit::after(500ms), [&](auto) { give_up(); }));
//
//   conduit::ticker t(100ms);
//   for (int i = 0; i < 10; ++i) (void)t.c().recv();   // ten ticks
//
// Values are the clock::time_point at which the timer fired.
// Stop and reset follow Go 1.23: once stop() or reset() returns, no value from before it
// will be received from c().
//
// Thread safety: all members may be called from any thread; a timer or ticker object itself
// must not be destroyed while another thread uses it.
#ifndef CONDUIT_TIMER_HPP
#define CONDUIT_TIMER_HPP

#include <chrono>
#include <conduit/chan.hpp>
#include <conduit/time.hpp>
#include <memory>

namespace conduit {

namespace internal {
struct timer_state;
}

// A channel that receives the time once, after d (Go's time.After). The timer cannot be
// stopped; use `timer` for that. Blocks: never.
[[nodiscard]] chan<clock::time_point> after(clock::duration d);

// A one-shot timer (Go's time.Timer). Destroying it stops it.
class timer {
 public:
  // Starts a timer that fires once after d. Blocks: never.
  explicit timer(clock::duration d);
  timer(timer&&) noexcept;
  timer& operator=(timer&&) noexcept;
  timer(const timer&) = delete;
  timer& operator=(const timer&) = delete;
  ~timer();

  // The channel the time is delivered on (capacity 1).
  [[nodiscard]] const chan<clock::time_point>& c() const noexcept;
  // Stops the timer. Returns true if this call stopped it before its value was received
  // (a fired timer whose value still sits in c() counts as active, and the value is
  // dropped, as Go 1.23), false if it had been stopped or its value was received. So when it
  // returns false, no value is left to receive. Blocks: never.
  bool stop() noexcept;
  // Restarts the timer to fire after d, dropping an unreceived value. Returns true if it had
  // been active, by the same rule as stop(). Blocks: never.
  bool reset(clock::duration d);

 private:
  std::shared_ptr<internal::timer_state> st_;
};

// A ticker (Go's time.Ticker): delivers the time every period; a slow receiver misses ticks
// (the channel holds one), it never makes them pile up. Destroying it stops it.
class ticker {
 public:
  // Precondition: period > 0 (aborts, as Go panics). Blocks: never.
  explicit ticker(clock::duration period);
  ticker(ticker&&) noexcept;
  ticker& operator=(ticker&&) noexcept;
  ticker(const ticker&) = delete;
  ticker& operator=(const ticker&) = delete;
  ~ticker();

  [[nodiscard]] const chan<clock::time_point>& c() const noexcept;
  // Stops delivering ticks. Blocks: never.
  void stop() noexcept;
  // Restarts with a new period, the next tick one period from now.
  // Precondition: period > 0. Blocks: never.
  void reset(clock::duration period);

 private:
  std::shared_ptr<internal::timer_state> st_;
};

// Sleeps for d / until d (Go's time.Sleep). Blocks: until then. Context: any thread.
void sleep_for(clock::duration d) noexcept;
void sleep_until(deadline d) noexcept;

}  // namespace conduit

#endif  // CONDUIT_TIMER_HPP
