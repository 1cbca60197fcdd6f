#include <conduit/time.hpp>

namespace conduit {

deadline deadline::after_ns(std::chrono::nanoseconds d) noexcept {
  auto now = clock::now();
  auto max_step = time_point::max() - now;
  if (d >= max_step) return never();
  return deadline(now + std::chrono::duration_cast<duration>(d));
}

deadline::duration deadline::remaining() const noexcept {
  if (is_never()) return duration::max();
  auto now = clock::now();
  return now >= tp_ ? duration::zero() : tp_ - now;
}

timespec to_timespec(deadline d) noexcept {
  std::int64_t ns = d.to_ns();
  if (ns < 0) return timespec{0, 0};
  return timespec{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
}

}  // namespace conduit
