// The poll descriptor. See poll_fd.hpp for the contract and the invariants of its words.
//
// Ordering: close() and set_deadline() store their fact (kClosing, the deadline) and then
// exchange waiter_[s]; a call stores waiter_[s] and then re-reads those facts. Both sides use
// sequentially consistent operations, so at least one of them sees the other: a close or a
// deadline change is never missed by a call about to sleep.
#include "runtime/poll_fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <conduit/runtime/parking_lot.hpp>
#include <optional>

#include "runtime/spin.hpp"

namespace conduit::runtime {
namespace {

using detail::now_ns;

interest to_interest(poll_fd::side s) noexcept {
  return s == poll_fd::side::read ? interest::read : interest::write;
}

}  // namespace

// Holds one in-flight reference and one side of a poll_fd for the length of a call.
class op_guard {
 public:
  op_guard(poll_fd& p, poll_fd::side s) noexcept : p_(p), s_(s) {
    if (!p_.incref()) return;
    if (!p_.lock_side(s_)) {
      p_.decref();
      return;
    }
    ok_ = true;
  }
  ~op_guard() {
    if (ok_) {
      p_.unlock_side(s_);
      p_.decref();
    }
  }
  op_guard(const op_guard&) = delete;
  op_guard& operator=(const op_guard&) = delete;
  [[nodiscard]] bool ok() const noexcept { return ok_; }

 private:
  poll_fd& p_;
  poll_fd::side s_;
  bool ok_ = false;
};

poll_fd::poll_fd(unique_fd fd) noexcept : fd_(fd.release()) {
  int fl = ::fcntl(fd_, F_GETFL);
  if (fl >= 0 && (fl & O_NONBLOCK) == 0) ::fcntl(fd_, F_SETFL, fl | O_NONBLOCK);
}

poll_fd::~poll_fd() { (void)close(); }

int poll_fd::fd() const noexcept { return closing() ? -1 : fd_; }

bool poll_fd::closing() const noexcept {
  return (state_.load(std::memory_order_seq_cst) & kClosing) != 0;
}

bool poll_fd::incref() noexcept {
  std::uint64_t old = state_.fetch_add(1, std::memory_order_acq_rel);
  if ((old & kClosing) != 0) {
    decref();
    return false;
  }
  return true;
}

void poll_fd::decref() noexcept {
  std::uint64_t old = state_.fetch_sub(1, std::memory_order_acq_rel);
  if ((old & kClosing) != 0 && (old & ~kClosing) == 1) unpark_all(&state_);
}

bool poll_fd::lock_side(side s) noexcept {
  auto& l = lock_[static_cast<int>(s)];
  for (;;) {
    std::uint32_t v = 0;
    if (l.compare_exchange_strong(v, 1, std::memory_order_acquire)) {
      if (closing()) {
        unlock_side(s);
        return false;
      }
      return true;
    }
    if (closing()) return false;
    auto validate = [&] {
      if (closing()) return false;
      std::uint32_t cur = l.load(std::memory_order_relaxed);
      while (cur == 1 && !l.compare_exchange_weak(cur, 2, std::memory_order_relaxed)) {
      }
      return cur != 0;
    };
    park_result r = park_on(&l, validate, deadline::never());
    if (r.status != park_status::unparked) continue;
    if (r.token == kLockClosed) return false;
    if (r.token == kLockHandoff) {
      // Ordered after the unlocker's release by the parking lot's lock and the parker.
      if (closing()) {
        unlock_side(s);
        return false;
      }
      return true;
    }
  }
}

void poll_fd::unlock_side(side s) noexcept {
  auto& l = lock_[static_cast<int>(s)];
  std::uint32_t v = 1;
  if (l.compare_exchange_strong(v, 0, std::memory_order_release)) return;
  // Waiters are queued: hand the lock to the first, FIFO.
  unpark_one(&l, [&](unpark_result r) -> std::uintptr_t {
    if (r.unparked != 0) {
      l.store(r.have_more ? 2 : 1, std::memory_order_release);
      return kLockHandoff;
    }
    l.store(0, std::memory_order_release);
    return kDefaultToken;
  });
}

void poll_fd::wake_side(side s) noexcept {
  parker* p = waiter_[static_cast<int>(s)].exchange(nullptr, std::memory_order_seq_cst);
  if (p != nullptr) p->unpark();
}

result<void> poll_fd::wait_locked(side s) noexcept {
  const int i = static_cast<int>(s);
  parker& me = current();
  waiter_[i].store(&me, std::memory_order_seq_cst);
  std::int64_t dl = deadline_ns_[i].load(std::memory_order_seq_cst);
  bool stop = closing() || (dl != INT64_MAX && now_ns() >= dl);
  bool consumed = false;
  if (!stop) consumed = me.wait_fd(fd_, to_interest(s), deadline::from_ns(dl)) == fd_wait::unparked;
  if (waiter_[i].exchange(nullptr, std::memory_order_seq_cst) == nullptr && !consumed) {
    // A waker (close or set_deadline) took our slot: its unpark is due. Take it before we go.
    while (!me.park(deadline::never())) {
    }
  }
  return {};  // the caller re-checks close and the deadline, then retries
}

result<std::size_t> poll_fd::io_locked(side s, internal::function_ref<ssize_t()> op) noexcept {
  const int i = static_cast<int>(s);
  std::optional<detail::spinner> spin;  // from the first EAGAIN: retry while the peer answers
  for (;;) {
    if (closing()) return fail(errc::closed);
    std::int64_t dl = deadline_ns_[i].load(std::memory_order_relaxed);
    if (dl != INT64_MAX && now_ns() >= dl) return fail(errc::timeout);
    ssize_t n = op();
    if (n >= 0) {
      if (spin) spin->succeeded();
      return static_cast<std::size_t>(n);
    }
    int e = errno;
    if (e == EINTR) continue;
    if (e != EAGAIN && e != EWOULDBLOCK) return fail_errno(e);
    if (!spin) spin = detail::spinner::begin();
    if (spin->keep_going()) {
      for (int k = 0; k < 16; ++k) cpu_relax();
      continue;
    }
    if (auto r = wait_locked(s); !r) return fail(r.error());
  }
}

result<std::size_t> poll_fd::io(side s, internal::function_ref<ssize_t()> op) noexcept {
  op_guard g(*this, s);
  if (!g.ok()) return fail(errc::closed);
  return io_locked(s, op);
}

result<std::size_t> poll_fd::read(std::span<std::byte> buf) noexcept {
  if (buf.empty()) return std::size_t{0};
  auto r = io(side::read, [&] { return ::read(fd_, buf.data(), buf.size()); });
  if (r && *r == 0) return fail(errc::eof);
  return r;
}

io_result poll_fd::write(std::span<const std::byte> buf) noexcept {
  return write(
      buf, [&](std::span<const std::byte> rest) { return ::write(fd_, rest.data(), rest.size()); });
}

io_result poll_fd::write(std::span<const std::byte> buf,
                         internal::function_ref<ssize_t(std::span<const std::byte>)> op) noexcept {
  if (buf.empty()) return {};
  op_guard g(*this, side::write);
  if (!g.ok()) return {0, make_error_code(errc::closed)};
  std::size_t done = 0;
  while (done < buf.size()) {
    auto r = io_locked(side::write, [&] { return op(buf.subspan(done)); });
    if (!r) return {done, r.error()};
    if (*r == 0) return {done, make_error_code(errc::unexpected_eof)};
    done += *r;
  }
  return {done, {}};
}

result<std::size_t> poll_fd::control(internal::function_ref<ssize_t()> op) noexcept {
  if (!incref()) return fail(errc::closed);
  ssize_t n;
  do {
    n = op();
  } while (n < 0 && errno == EINTR);
  int e = errno;
  decref();
  if (n < 0) return fail_errno(e);
  return static_cast<std::size_t>(n);
}

result<void> poll_fd::wait_ready(side s) noexcept {
  op_guard g(*this, s);
  if (!g.ok()) return fail(errc::closed);
  const int i = static_cast<int>(s);
  for (;;) {
    if (closing()) return fail(errc::closed);
    std::int64_t dl = deadline_ns_[i].load(std::memory_order_seq_cst);
    if (dl != INT64_MAX && now_ns() >= dl) return fail(errc::timeout);
    parker& me = current();
    waiter_[i].store(&me, std::memory_order_seq_cst);
    bool stop =
        closing() || (deadline_ns_[i].load(std::memory_order_seq_cst) != dl);  // re-check, as above
    fd_wait w = stop ? fd_wait::spurious : me.wait_fd(fd_, to_interest(s), deadline::from_ns(dl));
    bool consumed = w == fd_wait::unparked;
    if (waiter_[i].exchange(nullptr, std::memory_order_seq_cst) == nullptr && !consumed) {
      while (!me.park(deadline::never())) {
      }
    }
    if (w == fd_wait::ready && !closing()) return {};
  }
}

void poll_fd::set_deadline(side s, deadline d) noexcept {
  deadline_ns_[static_cast<int>(s)].store(d.to_ns(), std::memory_order_seq_cst);
  wake_side(s);
}

void poll_fd::set_deadline(deadline d) noexcept {
  set_deadline(side::read, d);
  set_deadline(side::write, d);
}

deadline poll_fd::get_deadline(side s) const noexcept {
  return deadline::from_ns(deadline_ns_[static_cast<int>(s)].load(std::memory_order_relaxed));
}

result<void> poll_fd::close() noexcept {
  std::uint64_t old = state_.fetch_or(kClosing, std::memory_order_seq_cst);
  if ((old & kClosing) != 0) return fail(errc::closed);
  wake_side(side::read);
  wake_side(side::write);
  unpark_all(&lock_[0], kLockClosed);
  unpark_all(&lock_[1], kLockClosed);
  // Wait for the calls still inside (they are leaving: each sees kClosing at its next check).
  while ((state_.load(std::memory_order_acquire) & ~kClosing) != 0) {
    park_on(
        &state_, [&] { return (state_.load(std::memory_order_acquire) & ~kClosing) != 0; },
        deadline::never());
  }
  if (::close(fd_) != 0 && errno != EINTR) return fail_errno(errno);
  return {};
}

}  // namespace conduit::runtime
