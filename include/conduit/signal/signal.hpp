// signal: Go's os/signal for C++ -- signals delivered on channels.
//
//   conduit::chan<conduit::signal::signal_info> sigs(1);   // buffered: see "drop rule"
//   conduit::signal::notify(sigs, {SIGINT, SIGTERM});
//   auto s = sigs.recv();                                   // blocks until one arrives
//   std::printf("%s from pid %d\n", s->name(), s->pid);
//   conduit::signal::stop(sigs);
//
// The registry maps each channel to its signal set, as Go's: notify(ch, sigs) adds to ch's
// set; stop(ch) removes ch; several channels may want one signal and each gets it. When no
// channel wants a signal any more, the disposition it had before conduit took it comes back.
//
// Drop rule: delivery is a non-blocking send. A channel that is full (or unbuffered with no
// receiver waiting) misses that signal; other channels still get it. Use a buffered channel.
//
// How: an async-signal-safe handler (SA_SIGINFO | SA_RESTART | SA_ONSTACK) records the signal
// into a non-blocking pipe and returns; one dispatcher thread, started on the first notify,
// reads the pipe through the runtime and sends to the registered channels. It works whichever
// thread the kernel picks to run the handler.
//
// Do not install your own handler (sigaction, signal) for a signal you notify, ignore or
// reset through conduit: the two would overwrite each other.
//
// SIGKILL and SIGSTOP cannot be caught; SIGSEGV, SIGBUS, SIGFPE and SIGILL are synchronous
// faults of the thread that raised them and cannot be turned into messages safely: all six
// are refused with errc::uncatchable_signal.
//
// Thread safety: every function may be called from any thread at once.
#ifndef CONDUIT_SIGNAL_SIGNAL_HPP
#define CONDUIT_SIGNAL_SIGNAL_HPP

#include <sys/types.h>

#include <conduit/chan.hpp>
#include <conduit/result.hpp>
#include <csignal>
#include <initializer_list>
#include <memory>
#include <optional>

namespace conduit::signal {

// One delivered signal. Go's os.Signal gives only the number; this also says who sent it.
struct signal_info {
  int signo = 0;
  pid_t pid = 0;  // sender's pid (si_pid) for signals sent by a process (kill, sigqueue); else 0
  uid_t uid = 0;  // sender's real uid (si_uid), as pid
  int code = 0;   // si_code: SI_USER, SI_QUEUE, SI_KERNEL, ...

  // "SIGTERM", or "SIG?" for an unknown number. Blocks: never.
  [[nodiscard]] const char* name() const noexcept;
};

// The name of a signal number ("SIGINT"; "SIGRTMIN+3"; "SIG?" for an unknown one).
// Blocks: never. Context: any thread.
[[nodiscard]] const char* name(int signo) noexcept;

// Relays the given signals to ch (every catchable signal when sigs is empty; signals ignored
// through ignore() stay ignored in that case). Calling it again with the same channel adds to
// its set. A signal named explicitly that was ignored is no longer ignored (Go's rule).
// Blocks: never (briefly takes the registry's lock; starts the dispatcher on first use).
// Errors: errc::uncatchable_signal (SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL),
// std::errc::invalid_argument (not a signal number); nothing changed on error.
// Precondition: ch is not nil (aborts).
result<void> notify(const chan<signal_info>& ch, std::initializer_list<int> sigs = {});

// Stops relaying signals to ch. After it returns, nothing more is sent on ch. Signals no
// channel wants any more get back the disposition they had before conduit took them.
// Blocks: never (waits for a dispatch in progress). Thread-safe.
void stop(const chan<signal_info>& ch) noexcept;

// Ignores the given signals (all catchable ones when empty), undoing notify for them.
// Errors: as notify.
result<void> ignore(std::initializer_list<int> sigs = {});

// Whether sig is currently ignored (SIG_IGN), whoever set it. Blocks: never.
[[nodiscard]] bool ignored(int sig) noexcept;

// Undoes notify and ignore for the given signals (all when empty): no channel receives them
// and they get back the disposition they had before conduit took them. Blocks: never.
void reset(std::initializer_list<int> sigs = {}) noexcept;

// Sends sig to this process (kill(getpid(), sig): any thread may run its handler).
// Errors: the errno of kill(2). Blocks: never. Context: async-signal-safe.
result<void> raise(int sig) noexcept;

// Sends sig to process pid / to every process in process group pgid.
// Errors: the errno of kill(2) (ESRCH, EPERM, EINVAL). Blocks: never.
result<void> send(pid_t pid, int sig) noexcept;
result<void> send_group(pid_t pgid, int sig) noexcept;

// Go's signal.NotifyContext, for graceful shutdown: done() is closed when the first of the
// given signals arrives (and cause() then says which). On that first signal it stops
// listening, so the signal's previous disposition comes back and a second SIGINT acts as if
// conduit were not there (by default: the process dies). Destroying it stops it.
class shutdown_signal {
 public:
  // Errors: as notify.
  [[nodiscard]] static result<shutdown_signal> listen(std::initializer_list<int> sigs);
  shutdown_signal(shutdown_signal&&) noexcept;
  shutdown_signal& operator=(shutdown_signal&&) noexcept;
  ~shutdown_signal();

  // A channel that never carries a value and is closed on the first signal: receive from it
  // (recv returns errc::channel_closed) or put it in a select. Blocks: never.
  [[nodiscard]] const chan<signal_info>& done() const noexcept;
  // The signal that closed done(), once it is closed. Blocks: never.
  [[nodiscard]] std::optional<signal_info> cause() const;
  // Stops listening (idempotent). Blocks: never.
  void stop() noexcept;

  struct state;  // the implementation's; opaque

 private:
  explicit shutdown_signal(std::shared_ptr<state> st) noexcept;
  std::shared_ptr<state> st_;
};

}  // namespace conduit::signal

#endif  // CONDUIT_SIGNAL_SIGNAL_HPP
