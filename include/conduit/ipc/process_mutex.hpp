// ipc::process_mutex: a mutual-exclusion lock shared by processes, placed inside shared
// memory, and robust: if its holder dies (even by SIGKILL), the next locker is told
// (errc::owner_dead), holds the lock, repairs the data it protects, and calls
// make_consistent(). Go has no process-shared lock; Linux: a pthread mutex with
// PTHREAD_PROCESS_SHARED and PTHREAD_MUTEX_ROBUST (the kernel's robust-futex list releases
// it when its holder dies).
//
//   struct shared_state { conduit::ipc::process_mutex mu; long counter; };
//   auto mem = conduit::ipc::shared_memory::create("/counter", 4096);
//   auto* st = mem->construct<shared_state>(0).value();         // once, by the creator
//   // any process that maps it: mem->get<shared_state>(0)
//   auto r = st->mu.lock(conduit::deadline::after(std::chrono::seconds(1)));
//   if (!r && r.error() == conduit::errc::owner_dead) {          // we hold it: repair
//     st->counter = recount();
//     (void)st->mu.make_consistent();
//   } else if (!r) { return r.error(); }                          // timeout, ...
//   ++st->counter;
//   (void)st->mu.unlock();
//
// Waits are bounded by deadlines on the monotonic clock (pthread_mutex_clocklock) and spin
// for runtime::spin_budget() first; they go through src/runtime/process_wait.hpp, the one
// documented place where conduit waits in a kernel object it does not own (docs/ipc.md).
//
// It is an error-checking mutex: locking it again from the thread that holds it fails with
// std::errc::resource_deadlock_would_occur, and unlocking it from another thread fails with
// std::errc::operation_not_permitted. Ownership is per thread, as with pthreads.
//
// Trust: the lock's words are glibc's pthread_mutex_t in shared memory; every process that
// maps it must be trusted not to scribble over them (unlike shm_ring, which checks
// everything it reads).
//
// Thread safety: every member may be called from any thread of any process that maps the
// object, concurrently; the object must not be moved (it cannot be) or destroyed while used.
#ifndef CONDUIT_IPC_PROCESS_MUTEX_HPP
#define CONDUIT_IPC_PROCESS_MUTEX_HPP

#include <pthread.h>

#include <conduit/result.hpp>
#include <conduit/time.hpp>

namespace conduit::ipc {

class process_mutex {
 public:
  // Initialises an unlocked robust, process-shared, error-checking mutex in place. Build it
  // once, in shared memory (shared_memory::construct), before any other process uses it.
  // Precondition: pthread initialisation succeeds (it cannot fail on Linux for these
  // attributes); otherwise aborts with "ipc: process_mutex init failed".
  process_mutex() noexcept;
  process_mutex(const process_mutex&) = delete;
  process_mutex& operator=(const process_mutex&) = delete;
  // Destroys the mutex. Only for the last user: processes that merely stop using it must not
  // run the destructor (shared_memory never does; let the mapping go instead).
  ~process_mutex();

  // Locks the mutex.
  // Blocks:   until the mutex is acquired, or d (spinning briefly first).
  // Errors:   errc::owner_dead (the caller now HOLDS the mutex; its previous holder died
  //           holding it: repair, make_consistent(), unlock), errc::timeout,
  //           std::errc::state_not_recoverable (a previous owner_dead holder unlocked
  //           without make_consistent(): the mutex is unusable), std::errc::
  //           resource_deadlock_would_occur (the caller already holds it).
  // Deadline: the caller does not hold the mutex.
  [[nodiscard]] result<void> lock(deadline d = deadline::never()) noexcept;

  // Locks the mutex if it is free.
  // Blocks: never. Errors: errc::would_block (held), and as lock.
  [[nodiscard]] result<void> try_lock() noexcept;

  // Unlocks the mutex. Blocks: never.
  // Errors: std::errc::operation_not_permitted (the caller does not hold it).
  result<void> unlock() noexcept;

  // Marks the state protected by the mutex repaired after lock() returned errc::owner_dead.
  // Blocks: never. Errors: std::errc::invalid_argument (it was not inconsistent, or the
  // caller does not hold it).
  result<void> make_consistent() noexcept;

  // The pthread mutex, for process_cond and for code that needs pthread calls.
  [[nodiscard]] pthread_mutex_t* native_handle() noexcept { return &m_; }

 private:
  pthread_mutex_t m_;
};

}  // namespace conduit::ipc

#endif  // CONDUIT_IPC_PROCESS_MUTEX_HPP
