// conduit::lock_order: the lock-order checker behind conduit::ranked_mutex.
//
// Two checks, switched process-wide by set_checks():
//
// - checks::rank (on by default). Every ranked_mutex has a rank; a thread must take them in
//   strictly increasing rank. A blocking lock of a ranked_mutex whose rank is not above every
//   rank the thread already holds is reported at that call, naming both locks, before it
//   blocks (so a real deadlock is reported too):
//       lock order: acquiring "accounts" (rank 10) while holding "ledger" (rank 20)
//
// - checks::graph (off by default; the lockdep idea). Each blocking lock of a ranked_mutex B
//   while the thread holds ranked_mutex A records the edge A -> B in one process-wide graph,
//   across all threads. The first edge that closes a cycle is reported, naming the locks of
//   the cycle: the program did not deadlock this time, but threads interleaved differently
//   could. Ranks play no part in this check:
//       lock order: potential deadlock: cycle "a" -> "b" -> "c" -> "a" (acquiring "a" while
//       holding "c")
//   It costs a process-wide lock and a graph walk per new edge: a debugging mode.
//
// try_lock (and so lock_all, which only try_locks while it holds anything) cannot block, so
// it is never reported and records no edge; the lock it takes counts as held for later
// checks. With all checks off, a ranked_mutex costs one relaxed load more than a mutex.
//
// The environment variable CONDUIT_LOCK_ORDER (off, rank, graph or all), read at start-up,
// sets the initial checks.
//
// Reports go to a handler. The default prints the message and aborts the process (through
// conduit::fatal: "conduit: lock order: ..."). Tests and tools install their own handler to
// record reports; when a handler returns, the lock proceeds as if nothing was reported.
//
//   conduit::lock_order::set_checks(conduit::lock_order::checks::all);
//   conduit::lock_order::set_handler([](const conduit::lock_order::violation& v) {
//     log_error(v.message);
//   });
//
// Thread safety: every function may be called from any thread. Change the checks while no
// ranked_mutex is held: locks taken while checks were off are not known to the checker.
#ifndef CONDUIT_SYNC_LOCK_ORDER_HPP
#define CONDUIT_SYNC_LOCK_ORDER_HPP

#include <atomic>
#include <string>
#include <vector>

namespace conduit::lock_order {

// The checks to run; a bit set.
enum class checks : unsigned {
  none = 0,
  rank = 1,   // ranks must strictly increase per thread
  graph = 2,  // cycles in the process-wide acquisition-order graph
  all = 3,
};
[[nodiscard]] constexpr checks operator|(checks a, checks b) noexcept {
  return static_cast<checks>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
[[nodiscard]] constexpr bool has(checks set, checks c) noexcept {
  return (static_cast<unsigned>(set) & static_cast<unsigned>(c)) != 0;
}

// Sets the checks for the whole process. Turning graph on starts from an empty graph.
// Blocks: briefly, on the checker's own lock. Context: any thread, no ranked_mutex held.
void set_checks(checks c) noexcept;
// The checks in force.
[[nodiscard]] checks enabled_checks() noexcept;

// One report.
struct violation {
  enum class kind { rank_inversion, cycle };
  kind what;
  std::string acquired;  // the lock being acquired
  int acquired_rank;
  std::string held;  // rank_inversion: the held lock of highest rank;
                     // cycle: the held lock whose edge to `acquired` closes the cycle
  int held_rank;
  // cycle only: the names along the cycle, from `acquired` back to `acquired`
  // ("a", "b", "c", "a").
  std::vector<std::string> cycle;
  std::string message;  // one line, naming both locks
};

// Receives every report, on the thread that is taking the lock, before it blocks. A handler
// must not throw and must not lock a ranked_mutex.
using handler = void (*)(const violation&);

// Installs h (nullptr: the default handler) and returns the previous one.
// Context: any thread.
handler set_handler(handler h) noexcept;

// The default handler: aborts with the report's one-line message through conduit::fatal.
[[noreturn]] void abort_handler(const violation& v) noexcept;

namespace internal {
// The checks in force, as a bit set; read on every ranked_mutex lock.
extern std::atomic<unsigned> enabled;
}  // namespace internal

}  // namespace conduit::lock_order

#endif  // CONDUIT_SYNC_LOCK_ORDER_HPP
