// Adaptive spinning: whether a wait should spin before it sleeps, learned per thread.
//
// A spin pays off when the peer is running on another CPU and answers within the budget; it
// costs the budget (and, on an oversubscribed machine, the peer's CPU time) when it does not.
// So each thread remembers how its last spins went: a spin that ends without the wake-up it
// waited for makes the thread skip spinning for its next 1, 2, 4, ... 256 waits; a spin that
// succeeds resets that. A spin that notices it was preempted (the clock jumped by much more
// than one spin step) stops at once and counts as a failure: the CPUs are oversubscribed.
// On a quiet machine with a fast peer every wait spins; on a loaded one almost none does.
#ifndef CONDUIT_SRC_RUNTIME_SPIN_HPP
#define CONDUIT_SRC_RUNTIME_SPIN_HPP

#include <algorithm>
#include <chrono>
#include <conduit/runtime/park.hpp>
#include <conduit/time.hpp>
#include <cstdint>

namespace conduit::runtime::detail {

inline std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now().time_since_epoch())
      .count();
}

class spinner {
 public:
  // Starts a spin episode if the budget and this thread's record allow one.
  static spinner begin() noexcept {
    std::int64_t budget = spin_budget().count();
    state& st = tls();
    if (budget <= 0) return spinner(0);
    if (st.skip > 0) {
      --st.skip;
      return spinner(0);
    }
    return spinner(budget);
  }
  [[nodiscard]] bool active() const noexcept { return budget_ > 0 && !done_; }
  // Call between attempts; returns false when the episode is over (budget spent or
  // preempted), recording the failure.
  bool keep_going() noexcept {
    if (!active()) return false;
    std::int64_t t = now_ns();
    if (t - last_ > kPreempted || t - start_ >= budget_) {
      fail();
      return false;
    }
    last_ = t;
    return true;
  }
  // The awaited event came while spinning.
  void succeeded() noexcept {
    if (budget_ > 0 && !done_) {
      done_ = true;
      tls().penalty = 1;
    }
  }

 private:
  struct state {
    int skip = 0;
    int penalty = 1;
  };
  static state& tls() noexcept {
    thread_local state s;
    return s;
  }
  static constexpr std::int64_t kPreempted = 50'000;  // a 50 us gap: we were descheduled
  explicit spinner(std::int64_t budget) noexcept
      : budget_(budget), start_(budget > 0 ? now_ns() : 0), last_(start_) {}
  void fail() noexcept {
    done_ = true;
    state& st = tls();
    st.skip = st.penalty;
    st.penalty = std::min(st.penalty * 2, 256);
  }
  std::int64_t budget_;
  std::int64_t start_;
  std::int64_t last_;
  bool done_ = false;
};

}  // namespace conduit::runtime::detail

#endif  // CONDUIT_SRC_RUNTIME_SPIN_HPP
