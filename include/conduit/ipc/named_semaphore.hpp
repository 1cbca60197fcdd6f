// ipc::named_semaphore: a POSIX named semaphore (sem_open(3), sem_overview(7)): a counter
// shared by processes by name; wait() takes one unit, blocking while it is zero, and post()
// gives one back. Go's standard library has none (x/sync/semaphore.Weighted is in-process);
// Linux: sem_open, sem_clockwait, sem_post, sem_unlink (glibc keeps it in /dev/shm/sem.NAME).
//
//   namespace ipc = conduit::ipc;
//   auto slots = ipc::named_semaphore::create("/printer_slots", 2);     // mode 0600
//   // any process
//   auto s = ipc::named_semaphore::open("/printer_slots");
//   if (auto r = s->wait(conduit::deadline::after(std::chrono::seconds(1))); r) {
//     print();
//     (void)s->post();
//   }
//   (void)ipc::named_semaphore::unlink("/printer_slots");
//
// wait() spins for runtime::spin_budget(), then sleeps in sem_clockwait on CLOCK_MONOTONIC
// (through src/runtime/process_wait.hpp: the semaphore's word is glibc's, so this is one of
// the documented kernel waits outside park/wait_fd). It sleeps in slices of at most 100 ms so
// that close() from another thread wakes it (errc::closed) within that time.
//
// Names follow ipc::validate_name (at most 251 characters after the '/'); semaphores are
// created with mode 0600 unless asked otherwise (filtered by the umask). A semaphore does
// not know who took its units: a process that dies after wait() and before post() loses
// that unit (use process_mutex for a lock that survives its holder).
//
// Thread safety: every member may be called from any thread, concurrently, except that the
// object must not be moved-from, assigned or destroyed while a call on it is running.
#ifndef CONDUIT_IPC_NAMED_SEMAPHORE_HPP
#define CONDUIT_IPC_NAMED_SEMAPHORE_HPP

#include <sys/types.h>

#include <conduit/result.hpp>
#include <conduit/time.hpp>
#include <memory>
#include <string>
#include <string_view>

namespace conduit::ipc {

namespace detail {
struct sem_state;
}  // namespace detail

class named_semaphore {
 public:
  // The largest value (SEM_VALUE_MAX on Linux).
  static constexpr unsigned max_value = 0x7fffffff;

  // No semaphore: every call returns errc::closed.
  named_semaphore() noexcept;
  named_semaphore(named_semaphore&&) noexcept;
  // Closes this one first.
  named_semaphore& operator=(named_semaphore&&) noexcept;
  named_semaphore(const named_semaphore&) = delete;
  named_semaphore& operator=(const named_semaphore&) = delete;
  // Closes (the semaphore itself stays until unlink()).
  ~named_semaphore();

  // Creates the semaphore `name` with `value` units; it must not exist.
  // Blocks: never. Errors: an ipc_errc for a bad name, EEXIST, EINVAL (value > max_value),
  // EACCES, EMFILE, ENFILE, ENOMEM.
  [[nodiscard]] static result<named_semaphore> create(std::string_view name, unsigned value,
                                                      mode_t mode = 0600);
  // Opens the existing semaphore `name`.
  // Blocks: never. Errors: an ipc_errc for a bad name, ENOENT, EACCES, EMFILE, ENFILE.
  [[nodiscard]] static result<named_semaphore> open(std::string_view name);
  // Opens `name`, creating it with `value` units if it does not exist; created() says which.
  // Blocks: never. Errors: as create and open.
  [[nodiscard]] static result<named_semaphore> open_or_create(std::string_view name, unsigned value,
                                                              mode_t mode = 0600);
  // Removes the name; processes that have it open keep using it.
  // Blocks: never. Errors: an ipc_errc for a bad name, ENOENT, EACCES.
  [[nodiscard]] static result<void> unlink(std::string_view name);

  // Takes one unit, waiting while there is none.
  // Blocks:   until a unit is taken, close(), or d.
  // Errors:   errc::timeout, errc::closed, another errno of sem_clockwait.
  // Deadline: no unit was taken.
  [[nodiscard]] result<void> wait(deadline d = deadline::never()) noexcept;
  // Takes one unit if there is one. Blocks: never.
  // Errors: errc::would_block (the value is zero), errc::closed.
  [[nodiscard]] result<void> try_wait() noexcept;
  // Gives one unit back, waking a waiter. Blocks: never. Context: any thread.
  // Errors: EOVERFLOW (the value is max_value), errc::closed.
  result<void> post() noexcept;
  // The value now (may be stale at once). Blocks: never. Errors: errc::closed.
  [[nodiscard]] result<unsigned> value() const noexcept;

  // The name given to create/open ("" for an empty object).
  [[nodiscard]] const std::string& name() const noexcept;
  // Whether create or open_or_create made the semaphore.
  [[nodiscard]] bool created() const noexcept;
  [[nodiscard]] bool is_open() const noexcept;

  // Closes this process's handle: wakes pending waits (errc::closed, within 100 ms), waits
  // for calls in progress to leave, then sem_close. Later calls return errc::closed.
  // Blocks: until calls in progress leave (at most about 100 ms).
  // Errors: errc::closed (already closed).
  result<void> close() noexcept;

 private:
  explicit named_semaphore(std::unique_ptr<detail::sem_state> s) noexcept;
  std::unique_ptr<detail::sem_state> s_;
};

}  // namespace conduit::ipc

#endif  // CONDUIT_IPC_NAMED_SEMAPHORE_HPP
