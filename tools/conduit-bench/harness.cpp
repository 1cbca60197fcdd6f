#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <conduit/runtime/park.hpp>
#include <cstring>
#include <fstream>
#include <numeric>
#include <thread>

#include "bench.hpp"

extern char** environ;

namespace cbench {

std::vector<mechanism>& registry() {
  static std::vector<mechanism> r;
  return r;
}

std::map<std::string, worker_fn>& workers() {
  static std::map<std::string, worker_fn> w;
  return w;
}

pid_t spawn_worker(const std::string& name, const std::vector<int>& fds,
                   const std::map<std::string, std::string>& args) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  // Move the fds out of the way first, so that dup2 onto 3, 4, ... cannot clobber one of them.
  std::vector<int> high;
  for (int fd : fds) {
    int h = ::fcntl(fd, F_DUPFD_CLOEXEC, 100);
    high.push_back(h);
  }
  for (std::size_t i = 0; i < high.size(); ++i) {
    posix_spawn_file_actions_adddup2(&fa, high[i], static_cast<int>(3 + i));
  }
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "CONDUIT_BENCH_", 14) != 0) env.emplace_back(*e);
  }
  env.push_back("CONDUIT_BENCH_WORKER=" + name);
  for (const auto& [k, v] : args) env.push_back("CONDUIT_BENCH_ARG_" + k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  char exe[] = "/proc/self/exe";
  char* argv[] = {exe, nullptr};
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setsigdefault(&at, &all);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  if (posix_spawn(&pid, "/proc/self/exe", &fa, &at, argv, envp.data()) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  for (int h : high) ::close(h);
  return pid;
}

bool reap_worker(pid_t pid, std::chrono::seconds limit) {
  if (pid <= 0) return false;
  int pfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pfd >= 0) {
    conduit::deadline d = conduit::deadline::after(limit);
    while (conduit::runtime::wait_fd(pfd, conduit::runtime::interest::read, d) !=
               conduit::runtime::fd_wait::ready &&
           !d.passed()) {
    }
    ::close(pfd);
  }
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) != pid) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return false;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

latency summarise(std::vector<double>& s) {
  latency l;
  l.samples = s.size();
  if (s.empty()) return l;
  std::sort(s.begin(), s.end());
  auto at = [&](double q) {
    std::size_t i = static_cast<std::size_t>(q * static_cast<double>(s.size() - 1) + 0.5);
    return s[std::min(i, s.size() - 1)];
  };
  l.p50_ns = at(0.50);
  l.p99_ns = at(0.99);
  l.min_ns = s.front();
  l.max_ns = s.back();
  l.mean_ns = std::accumulate(s.begin(), s.end(), 0.0) / static_cast<double>(s.size());
  return l;
}

std::optional<latency> measure_rtt(const options& o, const std::function<bool()>& round) {
  using clk = std::chrono::steady_clock;
  // Warm up: caches, page faults, the peer's first wake-up.
  for (int i = 0; i < 50; ++i) {
    if (!round()) return std::nullopt;
  }
  std::vector<double> samples;
  samples.reserve(1 << 16);
  auto end = clk::now() + std::chrono::duration_cast<clk::duration>(o.duration);
  for (;;) {
    auto t0 = clk::now();
    if (!round()) return std::nullopt;
    auto t1 = clk::now();
    samples.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
    if (t1 >= end && samples.size() >= 100) break;
    if (samples.size() >= 4'000'000) break;
  }
  return summarise(samples);
}

machine_info read_machine() {
  machine_info m;
  std::ifstream cpu("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpu, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto c = line.find(':');
      if (c != std::string::npos) m.cpu_model = line.substr(c + 2);
      break;
    }
  }
  m.cpus = std::thread::hardware_concurrency();
  utsname u{};
  if (::uname(&u) == 0) {
    m.kernel = std::string(u.sysname) + " " + u.release;
    m.hostname = u.nodename;
  }
  return m;
}

}  // namespace cbench
