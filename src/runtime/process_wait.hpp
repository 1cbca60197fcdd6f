// The waits of ipc/ that the kernel and glibc own: a process-shared robust pthread mutex and
// a POSIX named semaphore. They are the one documented exception to DESIGN's "every wait goes
// through runtime/ with park/wait_fd": a robust mutex needs the kernel's robust-futex list,
// which is per thread and owned by glibc (set_robust_list), so conduit cannot run that
// protocol on its own futex; a named semaphore's word layout is glibc's. Both waits are kept
// here, in one place, bounded by deadlines on CLOCK_MONOTONIC (pthread_mutex_clocklock,
// sem_clockwait), and spin with the non-blocking try form (through the adaptive spinner,
// runtime/spin.hpp: at most runtime::spin_budget()) before they sleep. When tasks arrive, these two
// are the calls to move to a helper thread.
//
// Thread safety: every function may be called from any thread, concurrently.
#ifndef CONDUIT_SRC_RUNTIME_PROCESS_WAIT_HPP
#define CONDUIT_SRC_RUNTIME_PROCESS_WAIT_HPP

#include <pthread.h>
#include <semaphore.h>

#include <conduit/time.hpp>

namespace conduit::runtime {

// Locks m (a robust mutex), spinning with try_lock_robust_mutex while the adaptive spinner
// allows, then sleeping in pthread_mutex_clocklock(CLOCK_MONOTONIC) until the deadline. Returns 0
// (locked), EOWNERDEAD (locked; the previous owner died holding it), ETIMEDOUT (deadline; not
// locked), ENOTRECOVERABLE, or another errno of pthread_mutex_*lock. EINTR is never returned.
// Blocks: until locked or d. Context: any thread.
[[nodiscard]] int lock_robust_mutex(pthread_mutex_t* m, deadline d) noexcept;

// Tries to lock m (a robust mutex) without waiting. Returns 0, EOWNERDEAD (locked), EBUSY
// (held by another), ENOTRECOVERABLE, EDEADLK. (It is pthread_mutex_clocklock with a time in
// the past: glibc 2.36's pthread_mutex_trylock leaves a not-recoverable robust mutex locked
// by the caller, which would turn ENOTRECOVERABLE into EDEADLK for every later call.)
// Blocks: never. Context: any thread.
[[nodiscard]] int try_lock_robust_mutex(pthread_mutex_t* m) noexcept;

// Takes one unit of s, spinning with sem_trywait while the adaptive spinner allows, then
// sleeping in sem_clockwait(CLOCK_MONOTONIC) until d. Returns 0, ETIMEDOUT, or another errno of
// sem_*wait; EINTR is retried.
// Blocks: until a unit is taken or d. Context: any thread.
[[nodiscard]] int wait_semaphore(sem_t* s, deadline d) noexcept;

}  // namespace conduit::runtime

#endif  // CONDUIT_SRC_RUNTIME_PROCESS_WAIT_HPP
