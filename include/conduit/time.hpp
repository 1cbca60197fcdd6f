// Deadlines and the clock. Every blocking call in conduit takes an absolute deadline on
// std::chrono::steady_clock (CLOCK_MONOTONIC: unaffected by changes of the wall clock);
// the `_for(duration)` forms are sugar for `deadline::after(duration)`.
//
//   auto d = conduit::deadline::after(std::chrono::milliseconds(50));
//   auto v = ch.recv_until(d);              // errc::timeout after 50 ms
//   ch.recv_until(conduit::deadline::never());  // no bound
//
// A deadline already in the past never blocks: the call tries once and returns
// errc::timeout if it could not complete at once.
//
// Thread safety: value types.
#ifndef CONDUIT_TIME_HPP
#define CONDUIT_TIME_HPP

#include <chrono>
#include <cstdint>
#include <ctime>

namespace conduit {

// The clock of every deadline in conduit.
using clock = std::chrono::steady_clock;

// An absolute point on conduit::clock, or never.
class deadline {
 public:
  using time_point = clock::time_point;
  using duration = clock::duration;

  // No deadline.
  constexpr deadline() noexcept = default;
  // The deadline at tp (implicit, so that `now() + 10ms` can be passed directly).
  template <class Dur>
  constexpr deadline(std::chrono::time_point<clock, Dur> tp) noexcept
      : tp_(std::chrono::time_point_cast<duration>(tp)) {}

  [[nodiscard]] static constexpr deadline never() noexcept { return deadline(); }
  // A deadline that has already passed: calls try once and never block.
  [[nodiscard]] static constexpr deadline past() noexcept { return deadline(time_point::min()); }
  // now() + d, saturating: a huge d is never, a negative d is already past.
  template <class Rep, class Period>
  [[nodiscard]] static deadline after(std::chrono::duration<Rep, Period> d) noexcept {
    constexpr std::chrono::hours kForever(24 * 365 * 100);  // compared in double: no overflow
    if (std::chrono::duration<double>(d) >= std::chrono::duration<double>(kForever)) {
      return never();
    }
    if (std::chrono::duration<double>(d) <= std::chrono::duration<double>(-kForever)) {
      return past();
    }
    return after_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(d));
  }

  [[nodiscard]] constexpr bool is_never() const noexcept { return tp_ == time_point::max(); }
  [[nodiscard]] constexpr time_point when() const noexcept { return tp_; }
  // True when the deadline has passed (a never deadline never passes).
  [[nodiscard]] bool passed() const noexcept { return !is_never() && clock::now() >= tp_; }
  [[nodiscard]] constexpr bool passed_at(time_point now) const noexcept {
    return !is_never() && now >= tp_;
  }
  // Time left, at least zero; duration::max() for never.
  [[nodiscard]] duration remaining() const noexcept;
  // The deadline as nanoseconds of CLOCK_MONOTONIC (INT64_MAX for never, INT64_MIN for past),
  // the form the runtime stores in atomics.
  [[nodiscard]] constexpr std::int64_t to_ns() const noexcept {
    if (is_never()) return INT64_MAX;
    return std::chrono::duration_cast<std::chrono::nanoseconds>(tp_.time_since_epoch()).count();
  }
  [[nodiscard]] static constexpr deadline from_ns(std::int64_t ns) noexcept {
    if (ns == INT64_MAX) return never();
    return deadline(time_point(std::chrono::duration_cast<duration>(std::chrono::nanoseconds(ns))));
  }
  // The earlier of two deadlines.
  [[nodiscard]] static constexpr deadline earlier(deadline a, deadline b) noexcept {
    return a.tp_ < b.tp_ ? a : b;
  }

  friend constexpr bool operator==(deadline a, deadline b) noexcept { return a.tp_ == b.tp_; }
  friend constexpr auto operator<=>(deadline a, deadline b) noexcept { return a.tp_ <=> b.tp_; }

 private:
  static deadline after_ns(std::chrono::nanoseconds d) noexcept;
  time_point tp_ = time_point::max();
};

// Converts an absolute deadline to a timespec on CLOCK_MONOTONIC (for futex and timerfd).
// Precondition: !d.is_never().
[[nodiscard]] timespec to_timespec(deadline d) noexcept;

}  // namespace conduit

#endif  // CONDUIT_TIME_HPP
