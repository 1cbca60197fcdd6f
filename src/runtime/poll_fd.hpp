// poll_fd: the poll descriptor. Every fd-backed object in conduit (file, pipe end, FIFO,
// socket, listener, message queue) holds its fd in one of these, and none re-implements
// what it does (Go: internal/poll.FD + pollDesc):
//
// - the I/O loops: try the syscall; EINTR -> retry; EAGAIN -> spin (retrying) for the spin
//   budget, then runtime wait_fd -> retry; writes loop until every byte is written;
// - read and write deadlines, which also apply to calls already waiting (setting a deadline
//   wakes the waiting call, which re-reads it);
// - one read and one write in flight at a time (callers of the same direction queue, FIFO),
//   so a write is never interleaved with another write;
// - close: marks the descriptor closing, wakes every waiter (they return errc::closed), and
//   closes the fd number only when the last in-flight operation has left, so a number is
//   never closed under a running syscall and then reused.
//
// Thread safety: every member may be called from any thread, concurrently.
#ifndef CONDUIT_SRC_RUNTIME_POLL_FD_HPP
#define CONDUIT_SRC_RUNTIME_POLL_FD_HPP

#include <sys/types.h>

#include <atomic>
#include <conduit/fd.hpp>
#include <conduit/internal/function_ref.hpp>
#include <conduit/result.hpp>
#include <conduit/runtime/park.hpp>
#include <conduit/time.hpp>
#include <cstddef>
#include <cstdint>
#include <span>

namespace conduit::runtime {

class poll_fd {
 public:
  enum class side : std::uint8_t { read = 0, write = 1 };

  // Takes ownership of fd and puts it in non-blocking mode if it is not already (this
  // changes the open file description, shared with any process that has the same one).
  explicit poll_fd(unique_fd fd) noexcept;
  poll_fd(const poll_fd&) = delete;
  poll_fd& operator=(const poll_fd&) = delete;
  // Closes (see close()).
  ~poll_fd();

  // The fd number, or -1 once closing. Valid for syscalls only while the caller keeps the
  // object open. Blocks: never.
  [[nodiscard]] int fd() const noexcept;
  [[nodiscard]] bool closing() const noexcept;

  // Reads up to buf.size() bytes. An empty buf returns 0 at once.
  // Blocks: until data, end of stream, close, or the read deadline.
  // Errors: errc::eof (read(2) returned 0), errc::closed, errc::timeout, an OS error.
  [[nodiscard]] result<std::size_t> read(std::span<std::byte> buf) noexcept;

  // Writes all of buf (looping over partial writes).
  // Blocks: until everything is written, close, or the write deadline.
  // Errors: errc::closed, errc::timeout, an OS error (EPIPE, ...); n says what went out.
  io_result write(std::span<const std::byte> buf) noexcept;

  // As write(buf), with op(rest) as the syscall: op writes a prefix of rest (a non-blocking
  // send(2) with MSG_NOSIGNAL, sendmsg(2), ...) and returns how many bytes, or -1 with errno.
  // The write side is held for the whole loop, so concurrent writes never interleave.
  // Blocks: as write. Errors: as write, with op's errno.
  io_result write(std::span<const std::byte> buf,
                  internal::function_ref<ssize_t(std::span<const std::byte>)> op) noexcept;

  // Runs op (a non-blocking syscall: returns >= 0, or -1 with errno) with the given side
  // held, retrying EINTR and waiting on EAGAIN/EWOULDBLOCK for readiness of that side.
  // Blocks: until op succeeds or fails otherwise, close, or the side's deadline.
  // Errors: errc::closed, errc::timeout, op's errno.
  [[nodiscard]] result<std::size_t> io(side s, internal::function_ref<ssize_t()> op) noexcept;

  // Runs op once (a syscall that never blocks: setsockopt, shutdown, getsockname, ...) with
  // an in-flight reference held and no side taken, so it neither waits behind a pending read
  // or write nor runs on a number that close() has released. EINTR is retried.
  // Blocks: never. Errors: errc::closed, op's errno.
  [[nodiscard]] result<std::size_t> control(internal::function_ref<ssize_t()> op) noexcept;

  // Waits until the fd is ready for side s (for connect(2) completion).
  // Blocks: until ready, close, or the side's deadline. Errors: errc::closed, errc::timeout.
  [[nodiscard]] result<void> wait_ready(side s) noexcept;

  // Sets the deadline of one side (or both). Applies to calls already waiting: they wake and
  // re-check. A deadline in the past makes calls fail with errc::timeout at once.
  // Blocks: never.
  void set_deadline(side s, deadline d) noexcept;
  void set_deadline(deadline d) noexcept;
  [[nodiscard]] deadline get_deadline(side s) const noexcept;

  // Marks the descriptor closing, wakes every pending call (errc::closed), waits until no
  // call is inside a syscall on the fd, then closes it.
  // Blocks: until in-flight syscalls leave (they are non-blocking, so briefly).
  // Errors: errc::closed if already closed; the errno of close(2) (rare: EIO).
  result<void> close() noexcept;

 private:
  // Invariants (state_): bit kClosing is set once, by close(); bits below it count the
  // calls in flight (incref'd and not yet decref'd). The fd is closed by close() after the
  // count has drained to zero with kClosing set; the last decref'ing call wakes it.
  // lock_[s]: 0 free, 1 held, 2 held with waiters queued in the parking lot on &lock_[s].
  // waiter_[s]: the parker of the one call of side s inside wait_fd, or null. Whoever
  // exchanges it to null (the waiter, or a waker) owns the wake-up (hand-off rule).
  static constexpr std::uint64_t kClosing = 1ull << 63;
  static constexpr std::uintptr_t kLockHandoff = 1, kLockClosed = 2;
  friend class op_guard;
  bool incref() noexcept;
  void decref() noexcept;
  bool lock_side(side s) noexcept;
  void unlock_side(side s) noexcept;
  void wake_side(side s) noexcept;
  // One attempt loop with the side already held.
  result<std::size_t> io_locked(side s, internal::function_ref<ssize_t()> op) noexcept;
  result<void> wait_locked(side s) noexcept;

  int fd_;
  std::atomic<std::uint64_t> state_{0};
  std::atomic<std::uint32_t> lock_[2] = {0, 0};
  std::atomic<parker*> waiter_[2] = {nullptr, nullptr};
  std::atomic<std::int64_t> deadline_ns_[2] = {INT64_MAX, INT64_MAX};
};

}  // namespace conduit::runtime

#endif  // CONDUIT_SRC_RUNTIME_POLL_FD_HPP
