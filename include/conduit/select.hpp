// select: Go's select statement over channel operations.
//
//   std::size_t i = conduit::select(
//       conduit::recv_case(jobs, [&](conduit::result<job> j) { if (j) run(*j); }),
//       conduit::send_case(results, r, [&](auto sent) { if (!sent) keep(sent.error().value); }),
//       conduit::recv_case(quit));
//
//   auto r = conduit::select_for(100ms, conduit::recv_case(done));   // errc::timeout
//   conduit::select(conduit::recv_case(a), conduit::default_case([] { idle(); }));
//
// Semantics, as Go's:
// - among the cases ready at once, one is chosen uniformly at random (Go's fairness);
// - if none is ready: with a default_case the default runs at once; otherwise select waits
//   (parked, no polling) until the first case becomes ready, or its deadline passes;
// - a case on a nil channel (default-constructed chan) is disabled: never chosen;
// - the same channel may appear in several cases, in both directions;
// - a receive case on a closed channel is ready: its handler gets errc::channel_closed; a
//   send case on a closed channel is ready: its handler gets the value back with
//   errc::channel_closed (Go would panic; conduit reports).
// Handlers run after the choice is made, on the calling thread, with no lock held.
// Handler signatures: recv_case: f(result<T>); send_case: f(result<void, send_error<T>>);
// default_case: f(). Handlers are optional.
//
// Thread safety: a select may run concurrently with any operation on its channels.
#ifndef CONDUIT_SELECT_HPP
#define CONDUIT_SELECT_HPP

#include <array>
#include <chrono>
#include <conduit/chan.hpp>
#include <conduit/internal/chan_core.hpp>
#include <conduit/result.hpp>
#include <conduit/time.hpp>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

namespace conduit {

namespace internal {
struct no_handler {
  template <class... A>
  void operator()(A&&...) const noexcept {}
};

template <class T, class F>
class recv_case_t {
 public:
  static constexpr bool is_default = false;
  recv_case_t(chan_core* c, F f) : c_(c), f_(std::move(f)) {}
  select_case erase() noexcept { return {c_, false, slot_.raw()}; }
  void finish(op_status s) {
    if (s == op_status::ok) {
      f_(result<T>(slot_.take()));
    } else {
      f_(result<T>(unexpected(make_error_code(errc::channel_closed))));
    }
  }

 private:
  chan_core* c_;
  F f_;
  recv_slot<T> slot_;
};

template <class T, class F>
class send_case_t {
 public:
  static constexpr bool is_default = false;
  send_case_t(chan_core* c, T v, F f) : c_(c), v_(std::move(v)), f_(std::move(f)) {}
  select_case erase() noexcept { return {c_, true, &v_}; }
  void finish(op_status s) {
    using R = result<void, send_error<T>>;
    if (s == op_status::ok) {
      f_(R());
    } else {
      f_(R(unexpected(send_error<T>{std::move(v_), make_error_code(errc::channel_closed)})));
    }
  }

 private:
  chan_core* c_;
  T v_;
  F f_;
};

template <class F>
class default_case_t {
 public:
  static constexpr bool is_default = true;
  explicit default_case_t(F f) : f_(std::move(f)) {}
  void run() { f_(); }

 private:
  F f_;
};

template <class C>
struct is_default_case : std::bool_constant<std::remove_cvref_t<C>::is_default> {};

template <class... Cases>
std::size_t run_select(deadline d, bool* timed_out, Cases&... cs) {
  constexpr std::size_t n_default = (0 + ... + (is_default_case<Cases>::value ? 1 : 0));
  static_assert(n_default <= 1, "select: at most one default_case");
  constexpr std::size_t n = sizeof...(Cases) - n_default;
  std::array<select_case, n> erased{};
  std::array<std::size_t, n> user_index{};  // erased position -> argument position
  {
    std::size_t e = 0, arg = 0;
    auto add = [&](auto& c) {
      if constexpr (!std::remove_cvref_t<decltype(c)>::is_default) {
        erased[e] = c.erase();
        user_index[e] = arg;
        ++e;
      }
      ++arg;
    };
    (add(cs), ...);
    (void)add;  // Go's empty select {}: no case uses it
  }
  select_outcome out = select_impl(std::span<select_case>(erased.data(), n), n_default != 0, d);
  if (out.status == op_status::timeout) {
    *timed_out = true;
    return sizeof...(Cases);
  }
  std::size_t chosen_arg = sizeof...(Cases);
  if (out.index < n) chosen_arg = user_index[out.index];
  std::size_t arg = 0;
  auto dispatch = [&](auto& c) {
    using C = std::remove_cvref_t<decltype(c)>;
    if constexpr (C::is_default) {
      if (out.index == n) {
        chosen_arg = arg;
        c.run();
      }
    } else {
      if (arg == chosen_arg) c.finish(out.status);
    }
    ++arg;
  };
  (dispatch(cs), ...);
  (void)dispatch;
  return chosen_arg;
}
}  // namespace internal

// A receive case on ch; f(result<T>) runs if it is chosen.
template <class T, class F = internal::no_handler>
[[nodiscard]] auto recv_case(const chan<T>& ch, F f = {}) {
  return internal::recv_case_t<T, F>(internal::core_of(ch), std::move(f));
}

// A send case of v on ch; f(result<void, send_error<T>>) runs if it is chosen. If the case
// is not chosen, v is dropped with the case object.
template <class T, class V, class F = internal::no_handler>
[[nodiscard]] auto send_case(const chan<T>& ch, V&& v, F f = {}) {
  return internal::send_case_t<T, F>(internal::core_of(ch), T(std::forward<V>(v)), std::move(f));
}

// The default case: runs f() when no other case is ready at once.
template <class F = internal::no_handler>
[[nodiscard]] auto default_case(F f = {}) {
  return internal::default_case_t<F>(std::move(f));
}

// Waits for one of the cases and runs its handler. Returns the chosen case's position among
// the arguments (the default_case's position if the default ran).
// Blocks: until a case is ready (never, with a default_case). With only disabled cases and no
// default, blocks forever, as Go's select on nil channels.
template <class... Cases>
std::size_t select(Cases&&... cases) {
  bool timed_out = false;
  return internal::run_select(deadline::never(), &timed_out, cases...);
}

// As select, bounded by d. Errors: errc::timeout (no case ran).
// Deadline: on timeout no case was performed. A past deadline never blocks.
template <class... Cases>
[[nodiscard]] result<std::size_t> select_until(deadline d, Cases&&... cases) {
  bool timed_out = false;
  std::size_t i = internal::run_select(d, &timed_out, cases...);
  if (timed_out) return unexpected(make_error_code(errc::timeout));
  return i;
}

template <class Rep, class Period, class... Cases>
[[nodiscard]] result<std::size_t> select_for(std::chrono::duration<Rep, Period> timeout,
                                             Cases&&... cases) {
  return select_until(deadline::after(timeout), std::forward<Cases>(cases)...);
}

}  // namespace conduit

#endif  // CONDUIT_SELECT_HPP
