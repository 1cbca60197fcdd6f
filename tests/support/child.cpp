#include "support/child.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <conduit/runtime/park.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

extern char** environ;

namespace conduit::test {
namespace {

constexpr char kModeVar[] = "CONDUIT_TEST_CHILD";
constexpr char kArgVar[] = "CONDUIT_TEST_CHILD_ARG";

std::map<std::string, child_main>& registry() {
  static std::map<std::string, child_main> r;
  return r;
}

// Runs the child's mode, if this process is a child, before any test.
class child_environment : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* mode = std::getenv(kModeVar);
    if (mode == nullptr) return;
    const char* arg = std::getenv(kArgVar);
    auto it = registry().find(mode);
    if (it == registry().end()) {
      std::fprintf(stderr, "child: no mode %s in this binary\n", mode);
      std::fflush(stderr);
      ::_exit(99);
    }
    int rc = it->second(arg != nullptr ? arg : "");
    std::fflush(stdout);
    std::fflush(stderr);
    ::_exit(rc);
  }
};

const bool environment_added = [] {
  ::testing::AddGlobalTestEnvironment(new child_environment);
  return true;
}();

}  // namespace

bool register_child(const char* mode, child_main f) {
  registry()[mode] = f;
  return environment_added;
}

child_process::child_process(child_process&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)), pidfd_(std::exchange(o.pidfd_, -1)) {}

child_process& child_process::operator=(child_process&& o) noexcept {
  if (this != &o) {
    reset();
    pid_ = std::exchange(o.pid_, -1);
    pidfd_ = std::exchange(o.pidfd_, -1);
  }
  return *this;
}

child_process::~child_process() { reset(); }

void child_process::reset() noexcept {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (pidfd_ >= 0) ::close(pidfd_);
  pid_ = -1;
  pidfd_ = -1;
}

child_process child_process::spawn(std::string_view mode, std::string_view arg) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, kModeVar, sizeof kModeVar - 1) == 0) continue;  // and _ARG
    env.emplace_back(*e);
  }
  env.push_back(std::string(kModeVar) + "=" + std::string(mode));
  env.push_back(std::string(kArgVar) + "=" + std::string(arg));
  std::vector<char*> envp;
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);

  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&at, &all);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  char exe[] = "/proc/self/exe";
  char* argv[] = {exe, nullptr};
  child_process c;
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, "/proc/self/exe", nullptr, &at, argv, envp.data());
  posix_spawnattr_destroy(&at);
  if (rc != 0) {
    std::fprintf(stderr, "child: posix_spawn: %s\n", std::strerror(rc));
    return c;
  }
  c.pid_ = pid;
  c.pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  return c;
}

void child_process::kill(int sig) noexcept {
  if (pid_ > 0) ::kill(pid_, sig);
}

int child_process::wait(deadline d) noexcept {
  if (pid_ <= 0) return -1;
  if (pidfd_ >= 0) {
    while (!d.passed() &&
           runtime::wait_fd(pidfd_, runtime::interest::read, d) != runtime::fd_wait::ready) {
    }
  }
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, d.passed() ? WNOHANG : 0);
  } while (r < 0 && errno == EINTR);
  if (r != pid_) {
    reset();  // kills and reaps
    return -1;
  }
  pid_ = -1;
  if (pidfd_ >= 0) ::close(pidfd_);
  pidfd_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace conduit::test
