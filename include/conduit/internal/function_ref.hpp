// function_ref<R(A...)>: a non-owning, non-allocating reference to a callable, for
// callbacks that run before the call that takes them returns. Internal to conduit.
#ifndef CONDUIT_INTERNAL_FUNCTION_REF_HPP
#define CONDUIT_INTERNAL_FUNCTION_REF_HPP

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

namespace conduit::internal {

template <class Sig>
class function_ref;

template <class R, class... A>
class function_ref<R(A...)> {
 public:
  template <class F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, function_ref> &&
           std::is_invocable_r_v<R, F&, A...>) function_ref(F&& f)
  noexcept  // NOLINT: implicit by design
      : obj_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* o, A... a) -> R {
          return std::invoke(*static_cast<std::remove_reference_t<F>*>(o), std::forward<A>(a)...);
        }) {}

  R operator()(A... a) const { return call_(obj_, std::forward<A>(a)...); }

 private:
  void* obj_;
  R (*call_)(void*, A...);
};

}  // namespace conduit::internal

#endif  // CONDUIT_INTERNAL_FUNCTION_REF_HPP
