// The parking lot: wait queues keyed by address, so that a mutex, a condition variable or a
// channel needs only an atomic word of its own and parks its waiters here. Go's runtime
// does the same with its semaphore table (runtime/sema.go); WebKit and Rust call it a
// parking lot.
//
// park_on checks a condition under the queue's lock and sleeps only if it holds, and every
// unpark_* takes the same lock, so a wake-up between "check" and "sleep" is never lost.
// Waiters of one key are woken in FIFO order.
//
// Hand-off rule: an unpark_* call removes the waiter from its queue under the lock and wakes
// it after releasing the lock. A waiter that times out but finds it was already removed
// waits for that wake-up before it returns: a parker is never touched after its owner left.
//
// Callbacks run with the queue's lock held: they must be short, must not block, and must not
// call into the parking lot.
//
// Thread safety: every function may be called from any thread.
#ifndef CONDUIT_RUNTIME_PARKING_LOT_HPP
#define CONDUIT_RUNTIME_PARKING_LOT_HPP

#include <conduit/internal/function_ref.hpp>
#include <conduit/time.hpp>
#include <cstddef>
#include <cstdint>

namespace conduit::runtime {

// How park_on returned.
enum class park_status : std::uint8_t {
  unparked,  // an unpark_* woke this waiter; see park_result::token
  invalid,   // validate() returned false: it never slept
  timeout,   // the deadline passed while queued; it is no longer queued
};

struct park_result {
  park_status status;
  std::uintptr_t token;  // the waker's unpark token when status == unparked
};

// Facts given to an unpark_one callback.
struct unpark_result {
  std::size_t unparked = 0;  // waiters woken by this call (0 or 1 for unpark_one)
  bool have_more = false;    // waiters still queued on the key afterwards
};

// What an unpark_filter filter says of one waiter (seen by its park_token).
enum class filter_op : std::uint8_t { unpark, skip, stop };

inline constexpr std::uintptr_t kDefaultToken = 0;

// Parks the caller on `key`: under the key's queue lock, if validate() returns true the
// caller is queued and sleeps until an unpark_* selects it or the deadline passes. On
// timeout, timed_out(was_last) runs under the lock after removing the caller (was_last: no
// other waiter remains queued on key).
// Blocks: yes, until unparked or the deadline; spins (runtime::park) first.
// Deadline: returns park_status::timeout and the caller is no longer queued.
park_result park_on(const void* key, internal::function_ref<bool()> validate,
                    internal::function_ref<void(bool was_last)> timed_out, deadline d,
                    std::uintptr_t park_token = kDefaultToken) noexcept;

// Shorthand with no timed_out callback.
inline park_result park_on(const void* key, internal::function_ref<bool()> validate, deadline d,
                           std::uintptr_t park_token = kDefaultToken) noexcept {
  return park_on(
      key, validate, [](bool) {}, d, park_token);
}

// Wakes the first waiter on key, if any. callback(result) runs under the lock after the
// waiter is chosen (result.unparked says whether there was one) and returns the token the
// waiter receives. Blocks: never (the queue lock is held only briefly).
unpark_result unpark_one(const void* key,
                         internal::function_ref<std::uintptr_t(unpark_result)> callback) noexcept;

// Wakes every waiter on key, giving each `token`. Returns how many. Blocks: never.
std::size_t unpark_all(const void* key, std::uintptr_t token = kDefaultToken) noexcept;

// Walks the waiters on key in FIFO order and wakes those for which filter(park_token)
// returns unpark, until it returns stop; callback(result) runs under the lock and returns
// the token all of them receive. The callback runs even when no waiter was chosen
// (result.unparked == 0), so it may clear a "has waiters" bit. Returns how many woke.
// Blocks: never.
std::size_t unpark_filter(const void* key, internal::function_ref<filter_op(std::uintptr_t)> filter,
                          internal::function_ref<std::uintptr_t(unpark_result)> callback) noexcept;

}  // namespace conduit::runtime

#endif  // CONDUIT_RUNTIME_PARKING_LOT_HPP
