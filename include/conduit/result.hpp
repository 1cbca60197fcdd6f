// result<T, E>: a value or an error, shaped as a subset of C++23's std::expected so that it
// can become an alias of it once the baseline toolchain has one. Construct the error side
// with conduit::unexpected, as with std::unexpected:
//
//   result<int> parse(std::string_view s) {
//     if (s.empty()) return conduit::unexpected(make_error_code(errc::eof));
//     return 42;
//   }
//
// io_result is Go's (n, err) for calls that can make partial progress before failing.
//
// Thread safety: value types; distinct objects may be used from distinct threads.
// Precondition: value() on an error, or error() on a value, aborts.
#ifndef CONDUIT_RESULT_HPP
#define CONDUIT_RESULT_HPP

#include <conduit/error.hpp>
#include <cstddef>
#include <functional>
#include <new>
#include <type_traits>
#include <utility>

namespace conduit {

// The error side of a result, as std::unexpected.
template <class E>
class unexpected {
 public:
  constexpr explicit unexpected(const E& e) : error_(e) {}
  constexpr explicit unexpected(E&& e) : error_(std::move(e)) {}
  [[nodiscard]] constexpr const E& error() const& noexcept { return error_; }
  [[nodiscard]] constexpr E& error() & noexcept { return error_; }
  [[nodiscard]] constexpr E&& error() && noexcept { return std::move(error_); }

 private:
  E error_;
};
template <class E>
unexpected(E) -> unexpected<E>;

// Tag for constructing a result's error in place, as std::unexpect.
struct unexpect_t {
  explicit unexpect_t() = default;
};
inline constexpr unexpect_t unexpect{};

template <class T, class E = std::error_code>
class result;

namespace internal {
template <class R>
struct is_result : std::false_type {};
template <class T, class E>
struct is_result<result<T, E>> : std::true_type {};
[[noreturn]] void bad_result_access(bool wanted_value) noexcept;
}  // namespace internal

// A T or an E.
template <class T, class E>
class [[nodiscard]] result {
  static_assert(!std::is_reference_v<T> && !std::is_void_v<E>);

 public:
  using value_type = T;
  using error_type = E;

  constexpr result() requires std::is_default_constructible_v<T> : has_(true) { new (&val_) T(); }
  template <class U = T>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::remove_cvref_t<U>, result> &&
           !std::is_same_v<std::remove_cvref_t<U>, std::in_place_t> &&
           !std::is_same_v<std::remove_cvref_t<U>,
                           unexpect_t>) constexpr explicit(!std::is_convertible_v<U&&, T>)
      result(U&& v)
      : has_(true) {
    new (&val_) T(std::forward<U>(v));
  }
  template <class... A>
  constexpr explicit result(std::in_place_t, A&&... a) : has_(true) {
    new (&val_) T(std::forward<A>(a)...);
  }
  template <class G>
  requires std::is_constructible_v<E, const G&>
  constexpr result(const unexpected<G>& u) : has_(false) { new (&err_) E(u.error()); }
  template <class G>
  requires std::is_constructible_v<E, G&&>
  constexpr result(unexpected<G>&& u) : has_(false) { new (&err_) E(std::move(u).error()); }
  template <class... A>
  constexpr explicit result(unexpect_t, A&&... a) : has_(false) {
    new (&err_) E(std::forward<A>(a)...);
  }

  result(const result& o) requires(
      std::is_copy_constructible_v<T>&& std::is_copy_constructible_v<E>)
      : has_(o.has_) {
    if (has_) {
      new (&val_) T(o.val_);
    } else {
      new (&err_) E(o.err_);
    }
  }
  result(result&& o) noexcept(
      std::is_nothrow_move_constructible_v<T>&& std::is_nothrow_move_constructible_v<
          E>) requires(std::is_move_constructible_v<T>&& std::is_move_constructible_v<E>)
      : has_(o.has_) {
    if (has_) {
      new (&val_) T(std::move(o.val_));
    } else {
      new (&err_) E(std::move(o.err_));
    }
  }
  result& operator=(const result& o) requires(
      std::is_copy_constructible_v<T>&& std::is_copy_constructible_v<E>) {
    if (this != &o) {
      destroy();
      construct_from(o);
    }
    return *this;
  }
  result& operator=(result&& o) noexcept(
      std::is_nothrow_move_constructible_v<T>&& std::is_nothrow_move_constructible_v<
          E>) requires(std::is_move_constructible_v<T>&& std::is_move_constructible_v<E>) {
    if (this != &o) {
      destroy();
      construct_from(std::move(o));
    }
    return *this;
  }
  ~result() { destroy(); }

  [[nodiscard]] constexpr bool has_value() const noexcept { return has_; }
  constexpr explicit operator bool() const noexcept { return has_; }

  [[nodiscard]] constexpr T& value() & { return check_value(), val_; }
  [[nodiscard]] constexpr const T& value() const& { return check_value(), val_; }
  [[nodiscard]] constexpr T&& value() && { return check_value(), std::move(val_); }
  [[nodiscard]] constexpr const E& error() const& { return check_error(), err_; }
  [[nodiscard]] constexpr E& error() & { return check_error(), err_; }
  [[nodiscard]] constexpr E&& error() && { return check_error(), std::move(err_); }

  constexpr T& operator*() & { return value(); }
  constexpr const T& operator*() const& { return value(); }
  constexpr T&& operator*() && { return std::move(*this).value(); }
  constexpr T* operator->() { return &value(); }
  constexpr const T* operator->() const { return &value(); }

  template <class U>
  [[nodiscard]] constexpr T value_or(U&& other) const& {
    return has_ ? val_ : static_cast<T>(std::forward<U>(other));
  }
  template <class U>
  [[nodiscard]] constexpr T value_or(U&& other) && {
    return has_ ? std::move(val_) : static_cast<T>(std::forward<U>(other));
  }

  // f(T) -> result<U, E>.
  template <class F>
  constexpr auto and_then(F&& f) & {
    using R = std::remove_cvref_t<std::invoke_result_t<F, T&>>;
    static_assert(internal::is_result<R>::value, "and_then: f must return a result");
    if (has_) return std::invoke(std::forward<F>(f), val_);
    return R(unexpect, err_);
  }
  template <class F>
  constexpr auto and_then(F&& f) const& {
    using R = std::remove_cvref_t<std::invoke_result_t<F, const T&>>;
    static_assert(internal::is_result<R>::value, "and_then: f must return a result");
    if (has_) return std::invoke(std::forward<F>(f), val_);
    return R(unexpect, err_);
  }
  template <class F>
  constexpr auto and_then(F&& f) && {
    using R = std::remove_cvref_t<std::invoke_result_t<F, T&&>>;
    static_assert(internal::is_result<R>::value, "and_then: f must return a result");
    if (has_) return std::invoke(std::forward<F>(f), std::move(val_));
    return R(unexpect, std::move(err_));
  }
  // f(T) -> U; gives result<U, E>.
  template <class F>
  constexpr auto transform(F&& f) const& {
    using U = std::remove_cv_t<std::invoke_result_t<F, const T&>>;
    if constexpr (std::is_void_v<U>) {
      if (!has_) return result<void, E>(unexpect, err_);
      std::invoke(std::forward<F>(f), val_);
      return result<void, E>();
    } else {
      if (!has_) return result<U, E>(unexpect, err_);
      return result<U, E>(std::invoke(std::forward<F>(f), val_));
    }
  }
  template <class F>
  constexpr auto transform(F&& f) && {
    using U = std::remove_cv_t<std::invoke_result_t<F, T&&>>;
    if constexpr (std::is_void_v<U>) {
      if (!has_) return result<void, E>(unexpect, std::move(err_));
      std::invoke(std::forward<F>(f), std::move(val_));
      return result<void, E>();
    } else {
      if (!has_) return result<U, E>(unexpect, std::move(err_));
      return result<U, E>(std::invoke(std::forward<F>(f), std::move(val_)));
    }
  }

 private:
  constexpr void check_value() const {
    if (!has_) internal::bad_result_access(true);
  }
  constexpr void check_error() const {
    if (has_) internal::bad_result_access(false);
  }
  void destroy() noexcept {
    if (has_) {
      val_.~T();
    } else {
      err_.~E();
    }
  }
  template <class R>
  void construct_from(R&& o) {
    has_ = o.has_;
    if (has_) {
      new (&val_) T(std::forward<R>(o).val_);
    } else {
      new (&err_) E(std::forward<R>(o).err_);
    }
  }

  union {
    T val_;
    E err_;
  };
  bool has_;
};

// Nothing, or an E. E need not be default-constructible.
template <class E>
class [[nodiscard]] result<void, E> {
 public:
  using value_type = void;
  using error_type = E;

  constexpr result() noexcept : dummy_(), has_(true) {}
  template <class G>
  constexpr result(const unexpected<G>& u) : has_(false) {
    new (&err_) E(u.error());
  }
  template <class G>
  constexpr result(unexpected<G>&& u) : has_(false) {
    new (&err_) E(std::move(u).error());
  }
  template <class... A>
  constexpr explicit result(unexpect_t, A&&... a) : has_(false) {
    new (&err_) E(std::forward<A>(a)...);
  }
  result(const result& o) requires std::is_copy_constructible_v<E> : has_(o.has_) {
    if (!has_) new (&err_) E(o.err_);
  }
  result(result&& o) noexcept(std::is_nothrow_move_constructible_v<E>) : has_(o.has_) {
    if (!has_) new (&err_) E(std::move(o.err_));
  }
  result& operator=(const result& o) requires std::is_copy_constructible_v<E> {
    if (this != &o) {
      destroy();
      has_ = o.has_;
      if (!has_) new (&err_) E(o.err_);
    }
    return *this;
  }
  result& operator=(result&& o) noexcept(std::is_nothrow_move_constructible_v<E>) {
    if (this != &o) {
      destroy();
      has_ = o.has_;
      if (!has_) new (&err_) E(std::move(o.err_));
    }
    return *this;
  }
  ~result() { destroy(); }

  [[nodiscard]] constexpr bool has_value() const noexcept { return has_; }
  constexpr explicit operator bool() const noexcept { return has_; }
  constexpr void value() const {
    if (!has_) internal::bad_result_access(true);
  }
  constexpr void operator*() const noexcept {}
  [[nodiscard]] constexpr const E& error() const& { return check_error(), err_; }
  [[nodiscard]] constexpr E& error() & { return check_error(), err_; }
  [[nodiscard]] constexpr E&& error() && { return check_error(), std::move(err_); }

  // f() -> result<U, E>.
  template <class F>
  constexpr auto and_then(F&& f) const& {
    using R = std::remove_cvref_t<std::invoke_result_t<F>>;
    static_assert(internal::is_result<R>::value, "and_then: f must return a result");
    if (has_) return std::invoke(std::forward<F>(f));
    return R(unexpect, err_);
  }
  // f() -> U; gives result<U, E>.
  template <class F>
  constexpr auto transform(F&& f) const& {
    using U = std::remove_cv_t<std::invoke_result_t<F>>;
    if constexpr (std::is_void_v<U>) {
      if (!has_) return result<void, E>(unexpect, err_);
      std::invoke(std::forward<F>(f));
      return result<void, E>();
    } else {
      if (!has_) return result<U, E>(unexpect, err_);
      return result<U, E>(std::invoke(std::forward<F>(f)));
    }
  }

 private:
  constexpr void check_error() const {
    if (has_) internal::bad_result_access(false);
  }
  void destroy() noexcept {
    if (!has_) err_.~E();
  }
  struct empty {};
  union {
    empty dummy_;
    E err_;
  };
  bool has_;
};

// Go's (n, err): n units went through before err (err is empty on full success).
// Nothing is lost: the caller always learns how much went through.
struct [[nodiscard]] io_result {
  std::size_t n = 0;
  std::error_code err;

  [[nodiscard]] bool ok() const noexcept { return !err; }
  explicit operator bool() const noexcept { return !err; }
};

// Shorthand for an error result from an errc or errno value, for implementations.
[[nodiscard]] inline unexpected<std::error_code> fail(errc e) noexcept {
  return unexpected(make_error_code(e));
}
[[nodiscard]] inline unexpected<std::error_code> fail(std::error_code ec) noexcept {
  return unexpected(ec);
}
[[nodiscard]] inline unexpected<std::error_code> fail_errno(int e) noexcept {
  return unexpected(errno_code(e));
}

}  // namespace conduit

#endif  // CONDUIT_RESULT_HPP
