// ipc::process_cond: a condition variable shared by processes, used with a process_mutex in
// the same shared memory (Go: sync.Cond, across processes; Linux: a futex word in the
// mapping, waited on without FUTEX_PRIVATE_FLAG).
//
//   struct queue_state {
//     conduit::ipc::process_mutex mu;
//     conduit::ipc::process_cond nonempty;
//     int items;
//   };
//   // consumer
//   (void)st->mu.lock();
//   while (st->items == 0) {
//     auto r = st->nonempty.wait(st->mu, conduit::deadline::after(1s));
//     if (!r && r.error() == conduit::errc::timeout) break;    // mu is held again
//   }
//   --st->items;
//   (void)st->mu.unlock();
//   // producer
//   (void)st->mu.lock(); ++st->items; st->nonempty.signal(); (void)st->mu.unlock();
//
// It is a sequence word: wait() reads it under the mutex, unlocks, and sleeps while it is
// unchanged; signal() and broadcast() advance it and wake sleepers. Nothing in it records
// waiters, so a waiter that dies leaves nothing behind (glibc's process-shared
// pthread_cond_t can be left blocking signallers by a waiter that died). Spurious wake-ups
// happen: wait in a loop on your condition, as with any condition variable.
//
// Thread safety: every member may be called from any thread of any process that maps the
// object, concurrently.
#ifndef CONDUIT_IPC_PROCESS_COND_HPP
#define CONDUIT_IPC_PROCESS_COND_HPP

#include <atomic>
#include <conduit/ipc/process_mutex.hpp>
#include <conduit/result.hpp>
#include <conduit/time.hpp>
#include <cstdint>

namespace conduit::ipc {

class process_cond {
 public:
  // Initialises the condition variable in place (in shared memory, once).
  process_cond() noexcept = default;
  process_cond(const process_cond&) = delete;
  process_cond& operator=(const process_cond&) = delete;

  // Unlocks m, waits for a signal/broadcast (or a spurious wake-up) or the deadline, and
  // locks m again before it returns, whatever the outcome.
  // Blocks:       until woken or d (spinning briefly first); then until m is locked again
  //               (that lock is not bounded by d: it waits for m's holder to unlock or die).
  // Errors:       errc::timeout (d passed; m is held), errc::owner_dead (m is held; its
  //               previous holder died: repair and make_consistent()), std::errc::
  //               state_not_recoverable (m is NOT held), std::errc::operation_not_permitted
  //               (the caller did not hold m; nothing happened).
  // Precondition: the caller holds m.
  [[nodiscard]] result<void> wait(process_mutex& m, deadline d = deadline::never()) noexcept;

  // Wakes one waiter (Go: Signal). Blocks: never.
  void signal() noexcept;
  // Wakes every waiter (Go: Broadcast). Blocks: never.
  void broadcast() noexcept;

 private:
  std::atomic<std::uint32_t> seq_{0};
};

}  // namespace conduit::ipc

#endif  // CONDUIT_IPC_PROCESS_COND_HPP
