// io::pipe. See include/conduit/io/pipe.hpp for the contract.
//
// A write publishes a request (pointer, length, offset) that lives on the writer's stack, in
// one word, offer_; readers claim it, copy a piece, and give it back or retire it. The writer
// leaves only once the request is retired (all of it consumed) or withdrawn by itself.
//
// Invariants:
// - offer_ (the one word readers and the active writer share):
//     kNone     nothing offered; the active writer's request (if any) is retired: consumed
//     kBusy     a reader has claimed the request and is copying from it
//     a wreq*   the active writer's request, with bytes left, free to claim
//   Transitions: kNone -> wreq* (the writer holding wlock_, offering); wreq* -> kBusy (a
//   reader, claiming); kBusy -> wreq* (that reader, bytes left) or kNone (that reader, all
//   consumed); wreq* -> kNone (the writer withdrawing on close or deadline). So only a
//   claimant writes wreq::off, and the writer never leaves while a reader may touch its
//   request: it withdraws only from the wreq* state, and waits out kBusy.
// - wlock_ (the writers' turn, FIFO): kUnlocked; kLocked (held, nobody queued); kQueued
//   (held, writers may be queued in the parking lot on &wlock_). An unlock that finds
//   kQueued hands the lock to the first queued writer (token kHandoff). offer_ is kNone
//   whenever no writer holds wlock_.
// - closed_: bits set once each. k*Claimed is set by the first close of an end, which then
//   stores that end's error and sets k*Closed (release); the error is read only after an
//   acquire load sees k*Closed.
// - rwait_ counts readers between announcing a wait and returning from park_on(&rwait_);
//   wwait_ is the active writer's wait mode (0, kWaitDone, kWaitIdle) while it is parked on
//   &wwait_. A waker stores its fact (offer_, closed_) and then loads the count or mode; a
//   waiter stores the count or mode and then (in park_on's validate, under the queue lock)
//   re-checks the fact. All of these are sequentially consistent, so either the waker sees
//   the waiter and unparks it, or the waiter sees the fact and does not sleep.
#include <algorithm>
#include <atomic>
#include <conduit/io/pipe.hpp>
#include <conduit/runtime/park.hpp>
#include <conduit/runtime/parking_lot.hpp>
#include <cstdint>
#include <cstring>

#include "runtime/spin.hpp"

namespace conduit::internal {
namespace {

struct wreq {
  const std::byte* data;
  std::size_t len;
  std::size_t off;  // bytes consumed; written only by the reader holding kBusy
};

// Re-checks ready() while the runtime's adaptive spinner allows (at most the spin budget;
// none at all for a thread whose recent spins failed, as on an oversubscribed machine).
// Returns true as soon as it holds.
template <class F>
bool spin_until(F ready) noexcept {
  if (ready()) return true;
  runtime::detail::spinner sp = runtime::detail::spinner::begin();
  while (sp.keep_going()) {
    for (int i = 0; i < 8; ++i) {
      if (ready()) {
        sp.succeeded();
        return true;
      }
      runtime::cpu_relax();
    }
  }
  return ready();
}

}  // namespace

class alignas(64) io_pipe {
 public:
  result<std::size_t> read(std::span<std::byte> buf, deadline d) noexcept;
  io_result write(std::span<const std::byte> buf, deadline d) noexcept;
  void close_read(std::error_code ec) noexcept;
  void close_write(std::error_code ec) noexcept;

 private:
  static constexpr std::uintptr_t kNone = 0, kBusy = 1;
  static constexpr std::uint32_t kUnlocked = 0, kLocked = 1, kQueued = 2;
  static constexpr std::uintptr_t kHandoff = 1;
  static constexpr std::uint32_t kReadClaimed = 1, kReadClosed = 2, kWriteClaimed = 4,
                                 kWriteClosed = 8, kAnyClosed = kReadClosed | kWriteClosed;
  static constexpr std::uint32_t kWaitDone = 1;  // writer waits for offer_ == kNone or close
  static constexpr std::uint32_t kWaitIdle = 2;  // writer waits for offer_ != kBusy

  std::error_code read_error() const noexcept {
    std::uint32_t c = closed_.load(std::memory_order_acquire);
    if ((c & kReadClosed) != 0) return make_error_code(errc::closed_pipe);
    if ((c & kWriteClosed) != 0) return werr_;
    return {};
  }
  std::error_code write_error() const noexcept {
    std::uint32_t c = closed_.load(std::memory_order_acquire);
    if ((c & kWriteClosed) != 0) return make_error_code(errc::closed_pipe);
    if ((c & kReadClosed) != 0) return rerr_;
    return {};
  }
  bool any_closed() const noexcept {
    return (closed_.load(std::memory_order_seq_cst) & kAnyClosed) != 0;
  }

  void wait_reader(deadline d) noexcept;
  void wait_writer(std::uint32_t mode, deadline d) noexcept;
  bool lock_writers(deadline d) noexcept;
  void unlock_writers() noexcept;
  io_result write_locked(std::span<const std::byte> buf, deadline d) noexcept;

  // One cache line each: a spinning waiter polls offer_ (and the read-mostly closed_), and
  // the other words' writes must not steal that line from it (measured: the 64-byte
  // ping-pong ~15% faster than with all five words in one line).
  alignas(64) std::atomic<std::uintptr_t> offer_{kNone};
  alignas(64) std::atomic<std::uint32_t> closed_{0};
  alignas(64) std::atomic<std::uint32_t> rwait_{0};
  alignas(64) std::atomic<std::uint32_t> wwait_{0};
  alignas(64) std::atomic<std::uint32_t> wlock_{kUnlocked};
  std::error_code rerr_;  // set once, before kReadClosed
  std::error_code werr_;  // set once, before kWriteClosed
};

void io_pipe::wait_reader(deadline d) noexcept {
  auto ready = [&] { return offer_.load(std::memory_order_seq_cst) > kBusy || any_closed(); };
  if (spin_until(ready)) return;
  rwait_.fetch_add(1, std::memory_order_seq_cst);
  (void)runtime::park_on(
      &rwait_, [&] { return !ready(); }, d);
  rwait_.fetch_sub(1, std::memory_order_seq_cst);
}

void io_pipe::wait_writer(std::uint32_t mode, deadline d) noexcept {
  auto ready = [&] {
    std::uintptr_t v = offer_.load(std::memory_order_seq_cst);
    return mode == kWaitDone ? v == kNone || any_closed() : v != kBusy;
  };
  if (spin_until(ready)) return;
  wwait_.store(mode, std::memory_order_seq_cst);
  (void)runtime::park_on(
      &wwait_, [&] { return !ready(); }, d);
  wwait_.store(0, std::memory_order_seq_cst);
}

result<std::size_t> io_pipe::read(std::span<std::byte> buf, deadline d) noexcept {
  for (;;) {
    if (std::error_code e = read_error()) return fail(e);
    if (buf.empty()) return std::size_t{0};
    std::uintptr_t v = offer_.load(std::memory_order_acquire);
    if (v > kBusy) {
      if (!offer_.compare_exchange_weak(v, kBusy, std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
        continue;
      }
      auto* q = reinterpret_cast<wreq*>(v);
      const std::size_t n = std::min(buf.size(), q->len - q->off);
      std::memcpy(buf.data(), q->data + q->off, n);
      q->off += n;
      const bool done = q->off == q->len;
      // After this store the writer may return and q vanish: q is not touched again.
      offer_.store(done ? kNone : v, std::memory_order_seq_cst);
      std::uint32_t w = wwait_.load(std::memory_order_seq_cst);
      if (w != 0 && (done || w == kWaitIdle)) runtime::unpark_all(&wwait_);
      if (!done && rwait_.load(std::memory_order_seq_cst) != 0) runtime::unpark_all(&rwait_);
      return n;
    }
    if (d.passed()) return fail(errc::timeout);
    wait_reader(d);
  }
}

bool io_pipe::lock_writers(deadline d) noexcept {
  for (;;) {
    std::uint32_t v = kUnlocked;
    if (wlock_.compare_exchange_strong(v, kLocked, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      return true;
    }
    if (d.passed()) return false;
    auto validate = [&] {
      std::uint32_t cur = wlock_.load(std::memory_order_relaxed);
      while (cur == kLocked &&
             !wlock_.compare_exchange_weak(cur, kQueued, std::memory_order_relaxed)) {
      }
      return cur != kUnlocked;
    };
    auto timed_out = [&](bool was_last) {
      if (was_last) {
        std::uint32_t c = kQueued;
        wlock_.compare_exchange_strong(c, kLocked, std::memory_order_relaxed);
      }
    };
    runtime::park_result r = runtime::park_on(&wlock_, validate, timed_out, d);
    if (r.status == runtime::park_status::unparked && r.token == kHandoff) return true;
    if (r.status == runtime::park_status::timeout) return false;
    // invalid: the lock was free when we looked; try again.
  }
}

void io_pipe::unlock_writers() noexcept {
  std::uint32_t v = kLocked;
  if (wlock_.compare_exchange_strong(v, kUnlocked, std::memory_order_release,
                                     std::memory_order_relaxed)) {
    return;
  }
  // Writers are queued: hand the turn to the first, FIFO.
  runtime::unpark_one(&wlock_, [&](runtime::unpark_result r) -> std::uintptr_t {
    if (r.unparked != 0) {
      wlock_.store(r.have_more ? kQueued : kLocked, std::memory_order_release);
      return kHandoff;
    }
    wlock_.store(kUnlocked, std::memory_order_release);
    return runtime::kDefaultToken;
  });
}

io_result io_pipe::write_locked(std::span<const std::byte> buf, deadline d) noexcept {
  if (std::error_code e = write_error()) return {0, e};
  if (d.passed()) return {0, make_error_code(errc::timeout)};
  wreq q{buf.data(), buf.size(), 0};
  const auto mine = reinterpret_cast<std::uintptr_t>(&q);
  offer_.store(mine, std::memory_order_seq_cst);
  if (rwait_.load(std::memory_order_seq_cst) != 0) runtime::unpark_all(&rwait_);
  for (;;) {
    std::uintptr_t v = offer_.load(std::memory_order_acquire);
    if (v == kNone) return {q.len, {}};  // retired: every byte consumed
    std::error_code e = write_error();
    if (!e && d.passed()) e = make_error_code(errc::timeout);
    if (!e) {
      wait_writer(kWaitDone, d);
      continue;
    }
    // Withdraw what is left, unless a reader is copying from it right now.
    if (v == mine && offer_.compare_exchange_strong(v, kNone, std::memory_order_acquire,
                                                    std::memory_order_acquire)) {
      return {q.off, e};
    }
    if (v == kNone) continue;
    wait_writer(kWaitIdle, deadline::never());  // a copy in progress: brief
  }
}

io_result io_pipe::write(std::span<const std::byte> buf, deadline d) noexcept {
  if (std::error_code e = write_error()) return {0, e};
  if (buf.empty()) return {0, {}};
  if (!lock_writers(d)) return {0, make_error_code(errc::timeout)};
  io_result r = write_locked(buf, d);
  unlock_writers();
  return r;
}

void io_pipe::close_read(std::error_code ec) noexcept {
  if ((closed_.fetch_or(kReadClaimed, std::memory_order_acq_rel) & kReadClaimed) != 0) return;
  rerr_ = ec ? ec : make_error_code(errc::closed_pipe);
  closed_.fetch_or(kReadClosed, std::memory_order_seq_cst);
  runtime::unpark_all(&rwait_);
  runtime::unpark_all(&wwait_);
}

void io_pipe::close_write(std::error_code ec) noexcept {
  if ((closed_.fetch_or(kWriteClaimed, std::memory_order_acq_rel) & kWriteClaimed) != 0) return;
  werr_ = ec ? ec : make_error_code(errc::eof);
  closed_.fetch_or(kWriteClosed, std::memory_order_seq_cst);
  runtime::unpark_all(&rwait_);
  runtime::unpark_all(&wwait_);
}

}  // namespace conduit::internal

namespace conduit::io {

pipe_reader& pipe_reader::operator=(pipe_reader&& o) noexcept {
  if (this != &o) {
    close();
    p_ = std::move(o.p_);
  }
  return *this;
}

pipe_reader::~pipe_reader() { close(); }

result<std::size_t> pipe_reader::read_until(std::span<std::byte> buf, deadline d) noexcept {
  if (!p_) return fail(errc::closed_pipe);
  return p_->read(buf, d);
}

void pipe_reader::close_with_error(std::error_code ec) noexcept {
  if (p_) p_->close_read(ec);
}

pipe_writer& pipe_writer::operator=(pipe_writer&& o) noexcept {
  if (this != &o) {
    close();
    p_ = std::move(o.p_);
  }
  return *this;
}

pipe_writer::~pipe_writer() { close(); }

io_result pipe_writer::write_until(std::span<const std::byte> buf, deadline d) noexcept {
  if (!p_) return {0, make_error_code(errc::closed_pipe)};
  return p_->write(buf, d);
}

void pipe_writer::close_with_error(std::error_code ec) noexcept {
  if (p_) p_->close_write(ec);
}

pipe_pair pipe() {
  auto p = std::make_shared<internal::io_pipe>();
  return pipe_pair{pipe_reader(p), pipe_writer(p)};
}

}  // namespace conduit::io
