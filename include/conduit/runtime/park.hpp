// The runtime seam: the only place in conduit where a caller waits.
//
// Everything above runtime/ (sync/, channels, io, os, net, ipc) waits through three calls:
//
//   runtime::park(deadline)                 suspend until unpark() or the deadline
//   parker.unpark()                         wake a parked caller, from any thread
//   runtime::wait_fd(fd, interest, deadline)  wait until fd is ready, unpark(), or deadline
//
// Today a caller is an OS thread and park is a futex; wait_fd is poll(2) on the fd and the
// thread's wake-up eventfd, so that unpark() (from close() or set_deadline()) interrupts it.
// Later a caller is a task, and the same calls switch to the scheduler and the netpoller.
//
// Both spin briefly before they sleep: a cross-CPU kernel wake-up costs ~10 us here, a
// hand-off between two running threads ~0.15 us. The spin budget is tunable
// (set_spin_budget, or the environment variable CONDUIT_SPIN_NS read at start-up).
//
// Permit semantics, as Go's runtime semaphores and Java's LockSupport: unpark() before
// park() makes that park return at once. Returns may be spurious: callers loop on their own
// condition.
//
// Thread safety: park and wait_fd are called by the parker's own thread only; unpark from
// any thread.
#ifndef CONDUIT_RUNTIME_PARK_HPP
#define CONDUIT_RUNTIME_PARK_HPP

#include <atomic>
#include <chrono>
#include <conduit/time.hpp>
#include <cstdint>

namespace conduit::runtime {

// What to wait for on an fd.
enum class interest : std::uint8_t { read = 1, write = 2 };

// Why wait_fd returned.
enum class fd_wait : std::uint8_t {
  ready,     // poll reported the fd ready (or in error, or hung up): retry the syscall
  unparked,  // the permit was consumed (unpark() was called); the fd may be ready too
  timeout,   // the deadline passed
  spurious,  // a signal or a spurious wake-up: re-check and wait again
};

// The wake-up handle of one caller (one OS thread today). Obtain it with current().
class parker {
 public:
  parker() noexcept = default;
  parker(const parker&) = delete;
  parker& operator=(const parker&) = delete;
  ~parker();

  // Parks the owning thread until unpark(), the deadline, or spuriously. Returns true when it
  // consumed the permit (an unpark() happened), false on timeout or a spurious return.
  // Blocks: yes, spinning up to the spin budget first. Context: the owning thread only.
  bool park(deadline d) noexcept;

  // Waits until fd is ready for `what`, unpark(), or the deadline. Returns unparked exactly
  // when it consumed the permit. Does not spin (the caller retries its syscall instead).
  // Blocks: yes. Context: the owning thread only.
  [[nodiscard]] fd_wait wait_fd(int fd, interest what, deadline d) noexcept;

  // Creates the wake-up eventfd that wait_fd needs now rather than on the first wait_fd, so
  // that a long-lived thread holds all its fds from its start. Returns false if it could not
  // (EMFILE; wait_fd then sleeps in 10 ms slices). Context: the owning thread only.
  bool prepare_wait_fd() noexcept { return wake_fd() >= 0; }

  // Sets the permit and wakes the owner if it is parked or in wait_fd.
  // Blocks: never. Context: any thread. The parker must be alive: see DESIGN "hand-off rule"
  // (a waiter that was dequeued by a waker waits for that waker's unpark before it leaves).
  void unpark() noexcept;

 private:
  // Invariants: state_ is written to kEmpty/kParked/kParkedFd only by the owner, and to
  // kNotified by anyone. A waker that moves kParkedFd -> kNotified writes the eventfd exactly
  // once; the owner, seeing that transition, reads it exactly once before it returns, so
  // the eventfd is drained and never written after its owner has left.
  static constexpr std::int32_t kEmpty = 0;      // no permit, not sleeping
  static constexpr std::int32_t kNotified = 1;   // permit set
  static constexpr std::int32_t kParked = -1;    // sleeping on the futex
  static constexpr std::int32_t kParkedFd = -2;  // sleeping in poll(2) with wake_fd_
  bool spin_for_permit() noexcept;
  int wake_fd() noexcept;

  alignas(64) std::atomic<std::int32_t> state_{kEmpty};
  int wake_fd_ = -1;  // eventfd, created on the first wait_fd
};

// The calling thread's parker. Context: any thread. Never fails (the wake-up eventfd is
// created lazily; if that fails, wait_fd falls back to bounded polling slices).
[[nodiscard]] parker& current() noexcept;

// Shorthands for current().park(d) and current().wait_fd(...).
inline bool park(deadline d) noexcept { return current().park(d); }
[[nodiscard]] inline fd_wait wait_fd(int fd, interest what, deadline d) noexcept {
  return current().wait_fd(fd, what, d);
}

// The spin budget: how long park and the poll descriptor's I/O loops spin (re-checking the
// permit or retrying the non-blocking syscall) before they sleep in the kernel. Zero turns
// spinning off. Default: 10 us on machines with more than one CPU, 0 on one CPU.
// Thread safety: any thread; takes effect for the next wait.
void set_spin_budget(std::chrono::nanoseconds budget) noexcept;
[[nodiscard]] std::chrono::nanoseconds spin_budget() noexcept;

// One pause instruction: the body of every spin loop.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

}  // namespace conduit::runtime

#endif  // CONDUIT_RUNTIME_PARK_HPP
