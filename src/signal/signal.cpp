// The signal registry, the async-signal-safe handler and the dispatcher.
//
// Invariants:
// - Everything in `registry` is guarded by registry::lock (the runtime's word_lock, held for
//   short, non-blocking work: the dispatcher's try_send/close happen under it, which is what
//   makes stop() final).
// - refs[s] counts the registry entries whose set holds s. Our handler is installed for s
//   exactly while refs[s] > 0. saved[s] holds the disposition s had before conduit first
//   changed it, while saved_valid[s]; it is restored when neither a handler nor an ignore of
//   ours remains.
// - The handler only writes one 16-byte record to a non-blocking pipe (atomic: < PIPE_BUF)
//   and restores errno. A full pipe drops the record: signals are not queued without bound.
// - The dispatcher thread is started once, on the first notify, and lives as long as the
//   process; the pipe is never closed.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <bitset>
#include <cerrno>
#include <conduit/runtime/park.hpp>
#include <conduit/runtime/parking_lot.hpp>
#include <conduit/signal/signal.hpp>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/poll_fd.hpp"
#include "runtime/word_lock.hpp"

namespace conduit::signal {
namespace {

constexpr int kMaxSig = NSIG;  // signals are 1 .. NSIG-1

struct record {
  std::int32_t signo, pid, uid, code;
};
static_assert(sizeof(record) == 16);

std::atomic<int> g_write_fd{-1};

extern "C" void conduit_on_signal(int sig, siginfo_t* si, void*) {
  int saved_errno = errno;
  record r{sig, 0, 0, 0};
  if (si != nullptr) {
    r.code = si->si_code;
    if (si->si_code <= 0 || sig == SIGCHLD) {  // sent by a process: pid and uid are valid
      r.pid = si->si_pid;
      r.uid = static_cast<std::int32_t>(si->si_uid);
    }
  }
  (void)!::write(g_write_fd.load(std::memory_order_relaxed), &r, sizeof r);
  errno = saved_errno;
}

struct once_state;

struct entry {
  chan<signal_info> ch;
  std::bitset<kMaxSig> sigs;
  std::shared_ptr<once_state> once;  // shutdown_signal: close ch on the first signal
};

struct registry {
  runtime::detail::word_lock lock;
  std::vector<entry> entries;
  int refs[kMaxSig] = {};
  bool ignored_by_us[kMaxSig] = {};
  bool saved_valid[kMaxSig] = {};
  struct sigaction saved[kMaxSig] = {};
  bool started = false;
};

registry& reg() {
  static registry* r = new registry();  // never destroyed: the dispatcher outlives statics
  return *r;
}

bool refused(int s) noexcept {
  return s == SIGKILL || s == SIGSTOP || s == SIGSEGV || s == SIGBUS || s == SIGFPE || s == SIGILL;
}

// glibc keeps the first real-time signals (32, 33) for itself.
bool valid(int s) noexcept { return s > 0 && s < kMaxSig && (s < 32 || s >= SIGRTMIN); }

result<void> check(std::initializer_list<int> sigs) {
  for (int s : sigs) {
    if (!valid(s)) return fail(std::make_error_code(std::errc::invalid_argument));
    if (refused(s)) return fail(errc::uncatchable_signal);
  }
  return {};
}

// Every signal conduit may take when a call names none.
std::vector<int> all_catchable() {
  std::vector<int> v;
  for (int s = 1; s < kMaxSig; ++s) {
    if (valid(s) && !refused(s)) v.push_back(s);
  }
  return v;
}

// With the lock held.
void save_disposition(registry& r, int s) {
  if (!r.saved_valid[s]) {
    ::sigaction(s, nullptr, &r.saved[s]);
    r.saved_valid[s] = true;
  }
}

void restore_disposition(registry& r, int s) {
  if (r.saved_valid[s]) {
    ::sigaction(s, &r.saved[s], nullptr);
    r.saved_valid[s] = false;
  }
}

void add_ref(registry& r, int s) {
  if (r.refs[s]++ == 0) {
    save_disposition(r, s);
    struct sigaction sa {};
    sa.sa_sigaction = conduit_on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
    sigfillset(&sa.sa_mask);
    ::sigaction(s, &sa, nullptr);
  }
  r.ignored_by_us[s] = false;
}

void drop_ref(registry& r, int s) {
  if (--r.refs[s] == 0 && !r.ignored_by_us[s]) restore_disposition(r, s);
}

// Removes s from every entry's set.
void unwant(registry& r, int s) {
  for (entry& e : r.entries) {
    if (e.sigs.test(s)) {
      e.sigs.reset(s);
      drop_ref(r, s);
    }
  }
}

void remove_entry(registry& r, std::size_t i) {
  for (int s = 1; s < kMaxSig; ++s) {
    if (r.entries[i].sigs.test(s)) drop_ref(r, s);
  }
  r.entries.erase(r.entries.begin() + static_cast<std::ptrdiff_t>(i));
}

void dispatch_loop(runtime::poll_fd* rd);

void start_dispatcher(registry& r) {
  if (r.started) return;
  int p[2];
  if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) {
    std::perror("conduit: signal pipe");
    return;
  }
  g_write_fd.store(p[1], std::memory_order_relaxed);
  auto* rd = new runtime::poll_fd(unique_fd(p[0]));  // lives as long as the process
  r.started = true;
  // The dispatcher holds all its fds once notify returns: wait for it to say so, through the
  // parking lot (a bare unpark could land after we stopped waiting: a stale permit).
  std::atomic<bool> ready{false};
  std::thread([rd, &ready] {
    runtime::current().prepare_wait_fd();
    ready.store(true, std::memory_order_release);
    runtime::unpark_all(&ready);
    dispatch_loop(rd);
  }).detach();
  while (!ready.load(std::memory_order_acquire)) {
    runtime::park_on(
        &ready, [&] { return !ready.load(std::memory_order_acquire); }, deadline::never());
  }
}

}  // namespace

struct shutdown_signal::state {
  chan<signal_info> done{0};
  std::optional<signal_info> cause;  // guarded by the registry lock
};

namespace {
struct once_state {
  std::shared_ptr<shutdown_signal::state> st;
};

void deliver(registry& r, const signal_info& info) {
  for (std::size_t i = 0; i < r.entries.size();) {
    entry& e = r.entries[i];
    if (!e.sigs.test(info.signo)) {
      ++i;
      continue;
    }
    if (e.once) {
      e.once->st->cause = info;
      e.ch.close();
      remove_entry(r, i);  // the first signal ends it: a second one gets the old disposition
      continue;
    }
    (void)e.ch.try_send(info);  // the drop rule: full or not ready misses it
    ++i;
  }
}

void dispatch_loop(runtime::poll_fd* rd) {
  // The dispatcher never runs a handler itself: leave signals to the other threads.
  sigset_t all;
  sigfillset(&all);
  ::pthread_sigmask(SIG_BLOCK, &all, nullptr);
  record buf[256];
  for (;;) {
    auto n = rd->read(std::as_writable_bytes(std::span<record>(buf)));
    if (!n) continue;  // EINTR and EAGAIN are hidden; nothing else can fail here
    registry& r = reg();
    std::lock_guard<runtime::detail::word_lock> g(r.lock);
    for (std::size_t i = 0; i < *n / sizeof(record); ++i) {
      signal_info info{buf[i].signo, buf[i].pid, static_cast<uid_t>(buf[i].uid), buf[i].code};
      deliver(r, info);
    }
  }
}

}  // namespace

const char* name(int signo) noexcept {
  switch (signo) {
    case SIGHUP:
      return "SIGHUP";
    case SIGINT:
      return "SIGINT";
    case SIGQUIT:
      return "SIGQUIT";
    case SIGILL:
      return "SIGILL";
    case SIGTRAP:
      return "SIGTRAP";
    case SIGABRT:
      return "SIGABRT";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGKILL:
      return "SIGKILL";
    case SIGUSR1:
      return "SIGUSR1";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGUSR2:
      return "SIGUSR2";
    case SIGPIPE:
      return "SIGPIPE";
    case SIGALRM:
      return "SIGALRM";
    case SIGTERM:
      return "SIGTERM";
    case SIGSTKFLT:
      return "SIGSTKFLT";
    case SIGCHLD:
      return "SIGCHLD";
    case SIGCONT:
      return "SIGCONT";
    case SIGSTOP:
      return "SIGSTOP";
    case SIGTSTP:
      return "SIGTSTP";
    case SIGTTIN:
      return "SIGTTIN";
    case SIGTTOU:
      return "SIGTTOU";
    case SIGURG:
      return "SIGURG";
    case SIGXCPU:
      return "SIGXCPU";
    case SIGXFSZ:
      return "SIGXFSZ";
    case SIGVTALRM:
      return "SIGVTALRM";
    case SIGPROF:
      return "SIGPROF";
    case SIGWINCH:
      return "SIGWINCH";
    case SIGIO:
      return "SIGIO";
    case SIGPWR:
      return "SIGPWR";
    case SIGSYS:
      return "SIGSYS";
    default:
      break;
  }
  static const char* const rt[] = {
      "SIGRTMIN",    "SIGRTMIN+1",  "SIGRTMIN+2",  "SIGRTMIN+3",  "SIGRTMIN+4",  "SIGRTMIN+5",
      "SIGRTMIN+6",  "SIGRTMIN+7",  "SIGRTMIN+8",  "SIGRTMIN+9",  "SIGRTMIN+10", "SIGRTMIN+11",
      "SIGRTMIN+12", "SIGRTMIN+13", "SIGRTMIN+14", "SIGRTMIN+15", "SIGRTMIN+16", "SIGRTMIN+17",
      "SIGRTMIN+18", "SIGRTMIN+19", "SIGRTMIN+20", "SIGRTMIN+21", "SIGRTMIN+22", "SIGRTMIN+23",
      "SIGRTMIN+24", "SIGRTMIN+25", "SIGRTMIN+26", "SIGRTMIN+27", "SIGRTMIN+28", "SIGRTMIN+29",
      "SIGRTMIN+30", "SIGRTMIN+31"};
  if (signo >= SIGRTMIN && signo <= SIGRTMAX &&
      static_cast<std::size_t>(signo - SIGRTMIN) < std::size(rt)) {
    return rt[signo - SIGRTMIN];
  }
  return "SIG?";
}

const char* signal_info::name() const noexcept { return signal::name(signo); }

result<void> notify(const chan<signal_info>& ch, std::initializer_list<int> sigs) {
  if (ch.is_nil()) fatal("signal::notify with a nil channel");
  if (auto ok = check(sigs); !ok) return ok;
  std::vector<int> list(sigs);
  bool all = list.empty();
  if (all) list = all_catchable();
  registry& r = reg();
  std::lock_guard<runtime::detail::word_lock> g(r.lock);
  start_dispatcher(r);
  entry* e = nullptr;
  for (entry& x : r.entries) {
    if (x.ch == ch && !x.once) e = &x;
  }
  if (e == nullptr) {
    r.entries.push_back(entry{ch, {}, nullptr});
    e = &r.entries.back();
  }
  for (int s : list) {
    if (all && (r.ignored_by_us[s] || ignored(s))) continue;  // ignore survives notify-all
    if (e->sigs.test(s)) continue;
    e->sigs.set(s);
    add_ref(r, s);
  }
  return {};
}

void stop(const chan<signal_info>& ch) noexcept {
  registry& r = reg();
  std::lock_guard<runtime::detail::word_lock> g(r.lock);
  for (std::size_t i = 0; i < r.entries.size();) {
    if (r.entries[i].ch == ch && !r.entries[i].once) {
      remove_entry(r, i);
    } else {
      ++i;
    }
  }
}

result<void> ignore(std::initializer_list<int> sigs) {
  if (auto ok = check(sigs); !ok) return ok;
  std::vector<int> list(sigs);
  if (list.empty()) list = all_catchable();
  registry& r = reg();
  std::lock_guard<runtime::detail::word_lock> g(r.lock);
  for (int s : list) {
    unwant(r, s);
    save_disposition(r, s);
    struct sigaction sa {};
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    ::sigaction(s, &sa, nullptr);
    r.ignored_by_us[s] = true;
  }
  return {};
}

bool ignored(int sig) noexcept {
  if (sig <= 0 || sig >= kMaxSig) return false;
  struct sigaction sa {};
  if (::sigaction(sig, nullptr, &sa) != 0) return false;
  return (sa.sa_flags & SA_SIGINFO) == 0 && sa.sa_handler == SIG_IGN;
}

void reset(std::initializer_list<int> sigs) noexcept {
  std::vector<int> list(sigs);
  if (list.empty()) list = all_catchable();
  registry& r = reg();
  std::lock_guard<runtime::detail::word_lock> g(r.lock);
  for (int s : list) {
    if (!valid(s) || refused(s)) continue;
    unwant(r, s);
    // Entries of shutdown_signal keep their bits only for signals not reset.
    r.ignored_by_us[s] = false;
    if (r.refs[s] == 0) restore_disposition(r, s);
  }
}

result<void> raise(int sig) noexcept { return send(::getpid(), sig); }

result<void> send(pid_t pid, int sig) noexcept {
  if (::kill(pid, sig) != 0) return fail_errno(errno);
  return {};
}

result<void> send_group(pid_t pgid, int sig) noexcept {
  if (pgid <= 0) return fail(std::make_error_code(std::errc::invalid_argument));
  if (::kill(-pgid, sig) != 0) return fail_errno(errno);
  return {};
}

shutdown_signal::shutdown_signal(std::shared_ptr<state> st) noexcept : st_(std::move(st)) {}
shutdown_signal::shutdown_signal(shutdown_signal&&) noexcept = default;
shutdown_signal& shutdown_signal::operator=(shutdown_signal&& o) noexcept {
  if (this != &o) {
    stop();
    st_ = std::move(o.st_);
  }
  return *this;
}
shutdown_signal::~shutdown_signal() { stop(); }

result<shutdown_signal> shutdown_signal::listen(std::initializer_list<int> sigs) {
  if (auto ok = check(sigs); !ok) return fail(ok.error());
  std::vector<int> list(sigs);
  if (list.empty()) list = all_catchable();
  auto st = std::make_shared<state>();
  registry& r = reg();
  {
    std::lock_guard<runtime::detail::word_lock> g(r.lock);
    start_dispatcher(r);
    entry e{st->done, {}, std::make_shared<once_state>(once_state{st})};
    for (int s : list) {
      e.sigs.set(s);
      add_ref(r, s);
    }
    r.entries.push_back(std::move(e));
  }
  return shutdown_signal(std::move(st));
}

const chan<signal_info>& shutdown_signal::done() const noexcept { return st_->done; }

std::optional<signal_info> shutdown_signal::cause() const {
  registry& r = reg();
  std::lock_guard<runtime::detail::word_lock> g(r.lock);
  return st_->cause;
}

void shutdown_signal::stop() noexcept {
  if (!st_) return;
  registry& r = reg();
  std::lock_guard<runtime::detail::word_lock> g(r.lock);
  for (std::size_t i = 0; i < r.entries.size(); ++i) {
    if (r.entries[i].once && r.entries[i].once->st == st_) {
      remove_entry(r, i);
      break;
    }
  }
}

}  // namespace conduit::signal
