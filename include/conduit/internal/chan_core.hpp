// The type-erased core of chan<T> and select, implemented once in src/chan/. Internal: the
// templates in chan.hpp and select.hpp are its only users.
#ifndef CONDUIT_INTERNAL_CHAN_CORE_HPP
#define CONDUIT_INTERNAL_CHAN_CORE_HPP

#include <conduit/time.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

namespace conduit::internal {

// How the core moves and destroys elements it holds as raw bytes.
struct elem_ops {
  std::size_t size;
  std::size_t align;
  void (*move_construct)(void* dst, void* src) noexcept;  // dst is raw storage; src stays valid
  void (*destroy)(void* p) noexcept;
};

template <class T>
inline constexpr elem_ops elem_ops_for = {
    sizeof(T),
    alignof(T),
    [](void* dst, void* src) noexcept { ::new (dst) T(std::move(*static_cast<T*>(src))); },
    [](void* p) noexcept { static_cast<T*>(p)->~T(); },
};

class chan_core;

// Creates a channel of `capacity` elements (0: unbuffered). Errors: std::bad_alloc.
std::shared_ptr<chan_core> make_chan_core(std::size_t capacity, const elem_ops* ops);

// Outcome of one channel operation.
enum class op_status : std::uint8_t {
  ok,         // done: the value was sent, or received into the caller's storage
  closed,     // the channel is closed (a send keeps its value; a receive got nothing)
  not_ready,  // a non-blocking attempt found nothing to do
  timeout,    // the deadline passed
};

// Sends the element at *elem (moved from on ok only). block=false: try once.
op_status chan_send(chan_core* c, void* elem, bool block, deadline d) noexcept;
// Receives into raw storage *out (constructed on ok only).
op_status chan_recv(chan_core* c, void* out, bool block, deadline d) noexcept;
// Closes. Precondition: not closed (aborts: "close of closed channel").
void chan_close(chan_core* c) noexcept;
std::size_t chan_size(const chan_core* c) noexcept;
std::size_t chan_capacity(const chan_core* c) noexcept;
bool chan_closed(const chan_core* c) noexcept;

// One case of a select, type-erased.
struct select_case {
  chan_core* c;  // null: a disabled case (Go's nil channel); never chosen
  bool is_send;
  void* elem;  // send: the value to move from; recv: raw storage to construct into
};

// The outcome of select_impl.
struct select_outcome {
  std::size_t index;  // the chosen case; cases.size() when the default was taken
  op_status status;   // ok, closed (the chosen channel is closed), not_ready (default), timeout
};

// Go's selectgo: picks uniformly at random among the ready cases; if none is ready, takes the
// default when has_default, or waits until one is ready or the deadline passes.
select_outcome select_impl(std::span<select_case> cases, bool has_default, deadline d) noexcept;

}  // namespace conduit::internal

#endif  // CONDUIT_INTERNAL_CHAN_CORE_HPP
