// socat(1) as a peer no one here wrote: spawned without a shell (posix_spawnp), its stdin,
// stdout and stderr on pipes driven through the poll descriptor (so every wait has a
// deadline), waited for through a pidfd, and SIGKILLed on teardown if still running.
// Tests skip (GTEST_SKIP) when socat is not installed.
#ifndef CONDUIT_TESTS_UNIT_NET_SOCAT_HPP
#define CONDUIT_TESTS_UNIT_NET_SOCAT_HPP

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <conduit/runtime/park.hpp>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/poll_fd.hpp"

extern char** environ;

namespace conduit::net::test {

// Whether an executable socat is on PATH.
inline bool socat_available() {
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "/usr/bin:/bin";
  while (!rest.empty()) {
    auto colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
    std::string exe = (dir.empty() ? "." : dir) + "/socat";
    if (::access(exe.c_str(), X_OK) == 0) return true;
  }
  return false;
}

class socat_process {
 public:
  // Starts `socat args...`; nullopt (with a test failure) if it cannot be started.
  static std::unique_ptr<socat_process> start(const std::vector<std::string>& args) {
    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) != 0) return nullptr;
    if (::pipe2(out, O_CLOEXEC) != 0) {
      ::close(in[0]), ::close(in[1]);
      return nullptr;
    }
    if (::pipe2(err, O_CLOEXEC) != 0) {
      ::close(in[0]), ::close(in[1]), ::close(out[0]), ::close(out[1]);
      return nullptr;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);  // dup2 clears O_CLOEXEC
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    std::vector<std::string> argv_s{"socat"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    int rc = ::posix_spawnp(&pid, "socat", &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]), ::close(out[1]), ::close(err[1]);
    if (rc != 0) {
      ::close(in[1]), ::close(out[0]), ::close(err[0]);
      return nullptr;
    }
    auto p = std::unique_ptr<socat_process>(new socat_process);
    p->pid_ = pid;
    p->stdin_ = std::make_unique<runtime::poll_fd>(unique_fd(in[1]));
    p->stdout_ = std::make_unique<runtime::poll_fd>(unique_fd(out[0]));
    p->stderr_ = std::make_unique<runtime::poll_fd>(unique_fd(err[0]));
    p->pidfd_ = unique_fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    return p;
  }

  socat_process(const socat_process&) = delete;
  socat_process& operator=(const socat_process&) = delete;
  ~socat_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      (void)wait(deadline::after(std::chrono::seconds(10)));
    }
  }

  // Writes to socat's stdin, then (if close) closes it.
  bool send(std::string_view s, bool close, deadline d) {
    stdin_->set_deadline(d);
    auto w = stdin_->write(std::as_bytes(std::span<const char>(s.data(), s.size())));
    if (close) (void)stdin_->close();
    return !w.err;
  }

  // Reads socat's stdout until end of file or d.
  std::string read_stdout(deadline d) { return drain(*stdout_, d, {}); }

  // Reads socat's stderr until it contains needle (true) or EOF / d (false).
  bool wait_stderr_for(std::string_view needle, deadline d) {
    stderr_text_ = drain(*stderr_, d, needle);
    return stderr_text_.find(needle) != std::string::npos;
  }
  const std::string& stderr_text() const { return stderr_text_; }

  // Waits for socat to exit; its wait status, or nullopt at d.
  std::optional<int> wait(deadline d) {
    if (pid_ <= 0) return status_;
    for (;;) {
      int st = 0;
      pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        status_ = st;
        return st;
      }
      if (d.passed()) return std::nullopt;
      if (pidfd_) {
        (void)runtime::wait_fd(pidfd_.get(), runtime::interest::read, d);
      } else {
        runtime::park(deadline::earlier(d, deadline::after(std::chrono::milliseconds(5))));
      }
    }
  }

 private:
  socat_process() = default;

  static std::string drain(runtime::poll_fd& p, deadline d, std::string_view needle) {
    std::string got;
    p.set_deadline(d);
    std::byte buf[4096];
    for (;;) {
      auto r = p.read(buf);
      if (!r) break;
      got.append(reinterpret_cast<const char*>(buf), *r);
      if (!needle.empty() && got.find(needle) != std::string::npos) break;
    }
    return got;
  }

  pid_t pid_ = -1;
  std::optional<int> status_;
  std::unique_ptr<runtime::poll_fd> stdin_, stdout_, stderr_;
  unique_fd pidfd_;
  std::string stderr_text_;
};

}  // namespace conduit::net::test

#endif  // CONDUIT_TESTS_UNIT_NET_SOCAT_HPP
