// Signals between two processes: A sends SIGUSR1 to B, B answers with SIGUSR2.
// conduit: both sides receive through signal::notify; raw: both block the signals and wait
// in sigwaitinfo(2). Both sides are workers (fresh processes), so no thread of this process
// can take the signals; A measures and reports its samples' summary on fd 3.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <conduit/signal/signal.hpp>
#include <cstdio>
#include <cstring>
#include <string>

#include "bench.hpp"

namespace cbench {
namespace {

using conduit::chan;
using conduit::signal::signal_info;

int side_b(bool raw) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  sigaddset(&s, SIGTERM);
  chan<signal_info> ch(16);
  if (raw) {
    sigprocmask(SIG_BLOCK, &s, nullptr);
  } else if (!conduit::signal::notify(ch, {SIGUSR1, SIGTERM})) {
    return 2;
  }
  pid_t a = ::getppid();
  (void)!::write(3, "r", 1);
  for (;;) {
    int sig;
    if (raw) {
      siginfo_t si;
      sig = sigwaitinfo(&s, &si);
    } else {
      auto got = ch.recv();
      sig = got ? got->signo : SIGTERM;
    }
    if (sig == SIGTERM) return 0;
    if (sig == SIGUSR1) ::kill(a, SIGUSR2);
  }
}

int side_a(bool raw, double secs) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR2);
  chan<signal_info> ch(16);
  if (raw) {
    sigprocmask(SIG_BLOCK, &s, nullptr);
  } else if (!conduit::signal::notify(ch, {SIGUSR2})) {
    return 2;
  }
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return 2;
  pid_t b = spawn_worker("signal_b", {ready[1]}, {{"variant", raw ? "raw" : "conduit"}});
  ::close(ready[1]);
  char c = 0;
  if (b < 0 || ::read(ready[0], &c, 1) != 1) return 3;
  ::close(ready[0]);
  options o;
  o.duration = std::chrono::duration<double>(secs);
  auto l = measure_rtt(o, [&] {
    ::kill(b, SIGUSR1);
    if (raw) {
      siginfo_t si;
      while (sigwaitinfo(&s, &si) != SIGUSR2) {
      }
      return true;
    }
    return ch.recv_for(std::chrono::seconds(10)).has_value();
  });
  ::kill(b, SIGTERM);
  bool b_ok = reap_worker(b);
  if (!l || !b_ok) return 4;
  char line[256];
  int n = std::snprintf(line, sizeof line, "%f %f %f %f %f %zu\n", l->p50_ns, l->p99_ns, l->mean_ns,
                        l->min_ns, l->max_ns, l->samples);
  return ::write(3, line, static_cast<std::size_t>(n)) == n ? 0 : 5;
}

worker_registrar w_b("signal_b", [](const std::map<std::string, std::string>& a) {
  return side_b(a.at("variant") == "raw");
});
worker_registrar w_a("signal_a", [](const std::map<std::string, std::string>& a) {
  return side_a(a.at("variant") == "raw", std::stod(a.at("secs")));
});

figures signal_case(const options& o, bool raw) {
  figures f;
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return f;
  pid_t a = spawn_worker(
      "signal_a", {out[1]},
      {{"variant", raw ? "raw" : "conduit"}, {"secs", std::to_string(o.duration.count())}});
  ::close(out[1]);
  std::string text;
  char buf[256];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  ::close(out[0]);
  bool ok = reap_worker(a);
  latency l;
  if (ok && std::sscanf(text.c_str(), "%lf %lf %lf %lf %lf %zu", &l.p50_ns, &l.p99_ns, &l.mean_ns,
                        &l.min_ns, &l.max_ns, &l.samples) == 6) {
    f.rtt = l;
  } else {
    f.note = "worker failed";
  }
  return f;
}

registrar r_signal({"signal", "signal round trip, 2 processes (raw: blocked signals + sigwaitinfo)",
                    [](const options& o) { return signal_case(o, false); },
                    [](const options& o) { return signal_case(o, true); }});

}  // namespace
}  // namespace cbench
