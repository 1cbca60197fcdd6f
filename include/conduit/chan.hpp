// chan<T>: Go's channel. A copyable handle; copies share one channel.
//
//   conduit::chan<int> ch(16);                 // make(chan int, 16); chan<int>(0) is unbuffered
//   std::thread t([ch]() mutable { for (int i = 0; i < 3; ++i) (void)ch.send(i); ch.close(); });
//   for (int v : ch) use(v);                   // for v := range ch
//   t.join();
//
// Semantics, as Go's:
// - unbuffered (capacity 0): a send completes only when a receiver has taken the value;
// - buffered: a FIFO ring of `capacity` elements, allocated once; a send blocks while full,
//   a receive while empty;
// - close: pending and later sends fail with errc::channel_closed and hand their value back
//   (send_error<T>::value); receivers drain what is buffered, then get errc::channel_closed;
//   every blocked sender and receiver wakes. Closing twice aborts, as Go panics;
// - a default-constructed chan is Go's nil channel: send and receive block until their
//   deadline (forever without one), it is never ready in a select, closing it aborts.
// - waiters spin briefly before parking (runtime::park), so a hand-off between two running
//   threads does not pay a kernel wake-up.
// T must be move-constructible; it need not be default-constructible or copyable.
//
// Thread safety: every member may be called from any thread at once, on any copy.
#ifndef CONDUIT_CHAN_HPP
#define CONDUIT_CHAN_HPP

#include <chrono>
#include <conduit/error.hpp>
#include <conduit/internal/chan_core.hpp>
#include <conduit/result.hpp>
#include <conduit/time.hpp>
#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace conduit {

// A failed send: the value comes back, with the reason (errc::channel_closed,
// errc::would_block for a full try_send, errc::timeout).
template <class T>
struct send_error {
  T value;
  std::error_code reason;
};

template <class T>
class chan;

namespace internal {
// Raw storage for a value a receive constructs.
template <class T>
class recv_slot {
 public:
  recv_slot() noexcept = default;
  recv_slot(const recv_slot&) = delete;
  recv_slot& operator=(const recv_slot&) = delete;
  ~recv_slot() = default;  // the value is moved out by take(), exactly once, when filled
  void* raw() noexcept { return buf_; }
  T take() noexcept(std::is_nothrow_move_constructible_v<T>) {
    T* p = std::launder(reinterpret_cast<T*>(buf_));
    T v(std::move(*p));
    p->~T();
    return v;
  }

 private:
  alignas(T) unsigned char buf_[sizeof(T)];
};

template <class T>
std::error_code status_error(op_status s) noexcept {
  switch (s) {
    case op_status::closed:
      return make_error_code(errc::channel_closed);
    case op_status::not_ready:
      return make_error_code(errc::would_block);
    case op_status::timeout:
      return make_error_code(errc::timeout);
    case op_status::ok:
      break;
  }
  return {};
}
template <class T>
chan_core* core_of(const chan<T>& c) noexcept;
}  // namespace internal

template <class T>
class chan {
  static_assert(std::is_move_constructible_v<T>, "chan<T>: T must be move-constructible");
  static_assert(!std::is_reference_v<T> && !std::is_array_v<T>, "chan<T>: T must be an object");

 public:
  using value_type = T;
  using send_result = result<void, send_error<T>>;

  // The nil channel (Go's zero value).
  chan() noexcept = default;
  // A channel with room for `capacity` buffered values (0: unbuffered), allocated at once.
  // Errors: std::bad_alloc (std::bad_array_new_length when capacity * sizeof(T) does not fit
  // in memory at all, where Go's make panics "size out of range").
  explicit chan(std::size_t capacity)
      : core_(internal::make_chan_core(capacity, &internal::elem_ops_for<T>)) {}

  // Sends v. Blocks: until a receiver takes it (unbuffered) or there is room (buffered), or
  // the channel is closed. Errors: errc::channel_closed (v comes back).
  send_result send(T v) const { return do_send(std::move(v), true, deadline::never()); }
  // As send, bounded by d. Errors: errc::channel_closed, errc::timeout (v comes back).
  // Deadline: on timeout nothing was sent. A past deadline never blocks.
  send_result send_until(T v, deadline d) const { return do_send(std::move(v), true, d); }
  template <class Rep, class Period>
  send_result send_for(T v, std::chrono::duration<Rep, Period> timeout) const {
    return do_send(std::move(v), true, deadline::after(timeout));
  }
  // Sends only if that needs no waiting (a receiver is waiting, or there is room).
  // Blocks: never. Errors: errc::would_block, errc::channel_closed (v comes back).
  send_result try_send(T v) const { return do_send(std::move(v), false, deadline::past()); }

  // Receives a value. Blocks: until a value is there or the channel is closed and drained.
  // Errors: errc::channel_closed (closed and drained).
  [[nodiscard]] result<T> recv() const { return do_recv(true, deadline::never()); }
  // As recv, bounded by d. Errors: errc::channel_closed, errc::timeout.
  // Deadline: on timeout nothing was received. A past deadline never blocks.
  [[nodiscard]] result<T> recv_until(deadline d) const { return do_recv(true, d); }
  template <class Rep, class Period>
  [[nodiscard]] result<T> recv_for(std::chrono::duration<Rep, Period> timeout) const {
    return do_recv(true, deadline::after(timeout));
  }
  // Receives only if a value is there now. Blocks: never.
  // Errors: errc::would_block, errc::channel_closed.
  [[nodiscard]] result<T> try_recv() const { return do_recv(false, deadline::past()); }

  // Closes the channel: wakes every blocked sender (errc::channel_closed, value back) and
  // receiver (after the buffer drains). Blocks: never.
  // Precondition: not nil and not already closed (aborts, as Go panics).
  void close() const noexcept {
    if (!core_) fatal("close of nil channel");
    internal::chan_close(core_.get());
  }

  // Buffered values now (Go's len). Blocks: never.
  [[nodiscard]] std::size_t size() const noexcept {
    return core_ ? internal::chan_size(core_.get()) : 0;
  }
  // The buffer's capacity (Go's cap); 0 for unbuffered and nil. Blocks: never.
  [[nodiscard]] std::size_t capacity() const noexcept {
    return core_ ? internal::chan_capacity(core_.get()) : 0;
  }
  // True once close() was called (values may still be buffered). Blocks: never.
  [[nodiscard]] bool closed() const noexcept { return core_ && internal::chan_closed(core_.get()); }
  [[nodiscard]] bool is_nil() const noexcept { return !core_; }
  explicit operator bool() const noexcept { return static_cast<bool>(core_); }

  // Handles compare equal when they share one channel.
  friend bool operator==(const chan& a, const chan& b) noexcept { return a.core_ == b.core_; }

  // for (auto& v : ch): receives until the channel is closed and drained.
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = T*;
    using reference = T&;
    iterator() = default;
    explicit iterator(const chan* c) : c_(c) { advance(); }
    T& operator*() { return *cur_; }
    T* operator->() { return &*cur_; }
    iterator& operator++() {
      advance();
      return *this;
    }
    void operator++(int) { advance(); }
    friend bool operator==(const iterator& a, std::default_sentinel_t) noexcept {
      return !a.cur_.has_value();
    }

   private:
    void advance() {
      cur_.reset();
      auto r = c_->recv();
      if (r) cur_.emplace(std::move(r).value());
    }
    const chan* c_ = nullptr;
    std::optional<T> cur_;
  };
  iterator begin() const { return iterator(this); }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  friend internal::chan_core* internal::core_of<T>(const chan<T>&) noexcept;

  send_result do_send(T&& v, bool block, deadline d) const {
    internal::op_status s =
        core_ ? internal::chan_send(core_.get(), &v, block, d) : nil_wait(block, d);
    if (s == internal::op_status::ok) return {};
    return unexpected(send_error<T>{std::move(v), internal::status_error<T>(s)});
  }
  result<T> do_recv(bool block, deadline d) const {
    internal::recv_slot<T> slot;
    internal::op_status s =
        core_ ? internal::chan_recv(core_.get(), slot.raw(), block, d) : nil_wait(block, d);
    if (s == internal::op_status::ok) return slot.take();
    return unexpected(internal::status_error<T>(s));
  }
  static internal::op_status nil_wait(bool block, deadline d) noexcept {
    // Go's nil channel: never ready. Wait out the deadline through select's machinery.
    if (!block) return internal::op_status::not_ready;
    return internal::select_impl({}, false, d).status;
  }

  std::shared_ptr<internal::chan_core> core_;
};

namespace internal {
template <class T>
chan_core* core_of(const chan<T>& c) noexcept {
  return c.core_.get();
}
}  // namespace internal

}  // namespace conduit

#endif  // CONDUIT_CHAN_HPP
