// os::process and os::exit_status on their own (os::command's tests start most children).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <conduit/os/process.hpp>
#include <csignal>
#include <initializer_list>
#include <vector>

extern char** environ;  // NOLINT: POSIX

namespace conduit::os {
namespace {

using namespace std::chrono_literals;

// A child of this process, adopted by pid and pidfd as os::command does it.
process spawn(const char* path, std::initializer_list<const char*> args) {
  std::vector<char*> argv{const_cast<char*>(path)};
  for (const char* a : args) argv.push_back(const_cast<char*>(a));
  argv.push_back(nullptr);
  pid_t pid = -1;
  EXPECT_EQ(::posix_spawn(&pid, path, nullptr, nullptr, argv.data(), environ), 0);
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  EXPECT_GE(pidfd, 0);
  ::fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  return process(pid, unique_fd(pidfd), false);
}

TEST(ExitStatusTest, DescribesExitsAndSignalsAsGoDoes) {
  EXPECT_EQ(exit_status::exited_with(0).to_string(), "exit status 0");
  EXPECT_TRUE(exit_status::exited_with(0).success());
  EXPECT_EQ(exit_status::exited_with(2).exit_code(), 2);
  EXPECT_FALSE(exit_status::exited_with(2).success());
  auto k = exit_status::killed_by(SIGKILL);
  EXPECT_TRUE(k.signaled());
  EXPECT_FALSE(k.exited());
  EXPECT_EQ(k.exit_code(), -1);
  EXPECT_EQ(k.signal(), SIGKILL);
  EXPECT_EQ(k.to_string(), "signal: killed");
  EXPECT_EQ(exit_status::killed_by(SIGSEGV, true).to_string(),
            "signal: segmentation fault (core dumped)");
  EXPECT_EQ(exit_status::killed_by(SIGINT).to_string(), "signal: interrupt");
  EXPECT_EQ(exit_status(), exit_status::exited_with(0));
}

TEST(ProcessTest, AnEmptyProcessHasNoChild) {
  process p;
  EXPECT_EQ(p.pid(), -1);
  EXPECT_EQ(p.signal(0).error(), std::errc::no_such_process);
  EXPECT_EQ(p.signal_group(SIGTERM).error(), std::errc::no_such_process);
  EXPECT_EQ(p.wait(deadline::past()).error(), std::errc::no_such_process);
}

TEST(ProcessTest, WaitReapsAnAdoptedChild) {
  process p = spawn("/bin/sh", {"-c", "exit 4"});
  EXPECT_GT(p.pid(), 0);
  auto st = p.wait(deadline::after(20s));
  ASSERT_TRUE(st) << st.error().message();
  EXPECT_EQ(st->exit_code(), 4);
}

TEST(ProcessTest, SignalZeroChecksTheChildAndSignalsReachIt) {
  process p = spawn("/bin/sleep", {"10"});
  EXPECT_TRUE(p.signal(0));
  EXPECT_EQ(p.wait(deadline::past()).error(), errc::timeout);
  ASSERT_TRUE(p.signal(SIGTERM));
  auto st = p.wait(deadline::after(20s));
  ASSERT_TRUE(st);
  EXPECT_EQ(st->signal(), SIGTERM);
  EXPECT_EQ(p.signal(0).error(), std::errc::no_such_process);
}

TEST(ProcessTest, MovingKeepsTheChild) {
  process a = spawn("/bin/true", {});
  pid_t pid = a.pid();
  process b = std::move(a);
  EXPECT_EQ(a.pid(), -1);  // NOLINT(bugprone-use-after-move): the contract under test
  EXPECT_EQ(b.pid(), pid);
  auto st = b.wait(deadline::after(20s));
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->success());
}

TEST(ProcessTest, InvalidSignalIsEinval) {
  process p = spawn("/bin/true", {});
  EXPECT_EQ(p.signal(100000).error(), std::errc::invalid_argument);
  ASSERT_TRUE(p.wait(deadline::after(20s)));
}

}  // namespace
}  // namespace conduit::os
