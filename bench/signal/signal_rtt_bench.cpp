// Signal round trip between two processes: A signals B (SIGUSR1), B answers (SIGUSR2).
//   raw:     both sides block the signal and wait in sigwaitinfo(2) -- the floor
//   conduit: both sides receive through signal::notify channels
// Each measurement runs in fresh processes (this binary re-executed), so no other thread of
// the benchmark process can take the signals. A reports ns per round trip on its stdout.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <conduit/signal/signal.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

extern char** environ;

namespace {

using conduit::chan;
using conduit::signal::signal_info;

pid_t spawn_self(const char* mode, const std::string& arg, int out_fd) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (out_fd >= 0) posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  std::string env = std::string("CONDUIT_BENCH_SIGNAL=") + mode;
  std::string env2 = "CONDUIT_BENCH_ARG=" + arg;
  char* envp[] = {env.data(), env2.data(), nullptr};
  char exe[] = "/proc/self/exe";
  char* argv[] = {exe, nullptr};
  pid_t pid = -1;
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
  if (posix_spawn(&pid, "/proc/self/exe", &fa, &at, argv, envp) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  return pid;
}

char wait_byte(int fd) {
  char c = 0;
  while (::read(fd, &c, 1) < 0 && errno == EINTR) {
  }
  return c;
}

// B, raw: answer every SIGUSR1 with a SIGUSR2 to the parent.
int raw_b() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  sigaddset(&s, SIGTERM);
  sigprocmask(SIG_BLOCK, &s, nullptr);
  pid_t a = ::getppid();
  (void)!::write(1, "r", 1);
  for (;;) {
    siginfo_t si;
    int sig = sigwaitinfo(&s, &si);
    if (sig == SIGTERM) return 0;
    if (sig == SIGUSR1) ::kill(a, SIGUSR2);
  }
}

int conduit_b() {
  chan<signal_info> ch(16);
  if (!conduit::signal::notify(ch, {SIGUSR1, SIGTERM})) return 2;
  pid_t a = ::getppid();
  (void)!::write(1, "r", 1);
  for (;;) {
    auto s = ch.recv();
    if (!s || s->signo == SIGTERM) return 0;
    ::kill(a, SIGUSR2);
  }
}

// A: spawn B, run n round trips, print ns per round trip.
int side_a(bool raw, long n) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR2);
  chan<signal_info> ch(16);
  if (raw) {
    sigprocmask(SIG_BLOCK, &s, nullptr);
  } else if (!conduit::signal::notify(ch, {SIGUSR2})) {
    return 2;
  }
  int p[2];
  if (::pipe(p) != 0) return 2;
  pid_t b = spawn_self(raw ? "raw_b" : "conduit_b", "", p[1]);
  ::close(p[1]);
  if (b < 0 || wait_byte(p[0]) != 'r') return 3;
  auto round = [&] {
    ::kill(b, SIGUSR1);
    if (raw) {
      siginfo_t si;
      while (sigwaitinfo(&s, &si) != SIGUSR2) {
      }
    } else {
      (void)ch.recv();
    }
  };
  for (int i = 0; i < 200; ++i) round();  // warm up
  auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < n; ++i) round();
  auto ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start);
  ::kill(b, SIGTERM);
  int st;
  ::waitpid(b, &st, 0);
  std::printf("%.1f\n", ns.count() / static_cast<double>(n));
  return 0;
}

const int child_hook = [] {
  const char* mode = std::getenv("CONDUIT_BENCH_SIGNAL");
  if (mode == nullptr) return 0;
  const char* arg = std::getenv("CONDUIT_BENCH_ARG");
  long n = arg != nullptr ? std::atol(arg) : 0;
  int rc = 99;
  if (std::strcmp(mode, "raw_b") == 0) rc = raw_b();
  if (std::strcmp(mode, "conduit_b") == 0) rc = conduit_b();
  if (std::strcmp(mode, "raw_a") == 0) rc = side_a(true, n);
  if (std::strcmp(mode, "conduit_a") == 0) rc = side_a(false, n);
  std::fflush(stdout);
  ::_exit(rc);
}();

void run(benchmark::State& state, const char* mode) {
  constexpr long kRounds = 20000;
  double total_ns = 0;
  long rounds = 0;
  for (auto _ : state) {
    int p[2];
    if (::pipe(p) != 0) {
      state.SkipWithError("pipe");
      return;
    }
    pid_t a = spawn_self(mode, std::to_string(kRounds), p[1]);
    ::close(p[1]);
    char buf[64] = {};
    ssize_t n = ::read(p[0], buf, sizeof buf - 1);
    ::close(p[0]);
    int st = 0;
    ::waitpid(a, &st, 0);
    if (n <= 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      state.SkipWithError("child failed");
      return;
    }
    double per = std::atof(buf);
    state.SetIterationTime(per * kRounds / 1e9);
    total_ns += per * kRounds;
    rounds += kRounds;
  }
  state.counters["ns_per_rtt"] = total_ns / static_cast<double>(rounds);
}

void BM_SignalRtt_RawSigwaitinfo(benchmark::State& s) { run(s, "raw_a"); }
void BM_SignalRtt_ConduitNotify(benchmark::State& s) { run(s, "conduit_a"); }
BENCHMARK(BM_SignalRtt_RawSigwaitinfo)
    ->UseManualTime()
    ->Iterations(5)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SignalRtt_ConduitNotify)
    ->UseManualTime()
    ->Iterations(5)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
