// conduit::lock_all: locks several locks without deadlock by trying and backing off.
//
// Taking two locks in opposite orders on two threads deadlocks. When there is no fixed order
// to follow (see ranked_mutex.hpp for the fixed-order way), lock_all takes any number of
// Lockables (conduit::mutex, rw_mutex, ranked_mutex, std::mutex, anything with lock,
// try_lock and unlock) in a way that cannot deadlock against any other lock_all on the same
// locks, in whatever order they are named:
//
//   void transfer(account& from, account& to, int amount) {
//     conduit::lock_all(from.mu, to.mu);
//     std::scoped_lock held(std::adopt_lock, from.mu, to.mu);  // unlocks both at scope end
//     from.balance -= amount;
//     to.balance += amount;
//   }
//
// The algorithm (std::lock's, documented here): block on one lock, then try_lock the others
// in turn; if a try fails, unlock every lock taken so far, and start again by blocking on the
// lock that failed (it is the contended one), trying the rest after it. It never blocks on a
// lock while it holds another one, so it cannot take part in a deadlock cycle; it can only be
// delayed by locks that keep changing hands (live-lock is possible in theory, as with
// std::lock; in practice the blocking step on the contended lock resolves it at once).
//
// Thread safety: lock_all may be called from any thread on any locks the caller does not hold.
#ifndef CONDUIT_SYNC_LOCK_ALL_HPP
#define CONDUIT_SYNC_LOCK_ALL_HPP

#include <array>
#include <conduit/internal/thread_annotations.hpp>
#include <cstddef>
#include <memory>
#include <span>

namespace conduit {

namespace internal {

// A Lockable, type-erased for the non-template algorithm.
struct erased_lockable {
  void* obj;
  void (*lock)(void*);
  bool (*try_lock)(void*);
  void (*unlock)(void*);
};

template <class L>
erased_lockable erase_lockable(L& l) noexcept {
  return erased_lockable{
      std::addressof(l),
      [](void* p) CONDUIT_NO_THREAD_SAFETY_ANALYSIS { static_cast<L*>(p)->lock(); },
      [](void* p)
          CONDUIT_NO_THREAD_SAFETY_ANALYSIS -> bool { return static_cast<L*>(p)->try_lock(); },
      [](void* p) CONDUIT_NO_THREAD_SAFETY_ANALYSIS { static_cast<L*>(p)->unlock(); }};
}

// The algorithm of lock_all over erased locks. If a lock or try_lock throws, every lock it
// took is unlocked and the exception propagates.
void lock_all_erased(std::span<const erased_lockable> locks);

}  // namespace internal

// Locks every lock in `locks`, trying and backing off (see the overview).
// Blocks:       until it holds all of them; it never blocks while holding one.
// Errors:       an exception thrown by a lock's lock/try_lock propagates, and then it holds
//               none of them (conduit's locks throw nothing).
// Precondition: the caller holds none of the locks, and they are distinct objects. A lock
//               named twice makes it spin forever (its try_lock always fails), as std::lock.
template <class L1, class L2, class... Ls>
void lock_all(L1& l1, L2& l2, Ls&... ls) CONDUIT_NO_THREAD_SAFETY_ANALYSIS {
  const std::array<internal::erased_lockable, 2 + sizeof...(Ls)> locks{
      internal::erase_lockable(l1), internal::erase_lockable(l2), internal::erase_lockable(ls)...};
  internal::lock_all_erased(locks);
}

}  // namespace conduit

#endif  // CONDUIT_SYNC_LOCK_ALL_HPP
