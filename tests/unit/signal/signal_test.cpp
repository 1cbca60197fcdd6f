#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <conduit/signal/signal.hpp>
#include <conduit/timer.hpp>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "runtime/poll_fd.hpp"
#include "support/support.hpp"

extern char** environ;

namespace conduit::signal {
namespace {

using namespace std::chrono_literals;

// ---- child processes: this binary re-executed with CONDUIT_SIGNAL_CHILD=<mode> ----

int child_main(const char* mode) {
  if (std::strcmp(mode, "stop_then_die") == 0) {
    chan<signal_info> ch(1);
    if (!notify(ch, {SIGTERM})) return 10;
    stop(ch);
    (void)!::write(1, "r", 1);
    sleep_for(10s);  // the parent's SIGTERM must kill us before this ends
    return 3;
  }
  if (std::strcmp(mode, "notified_exits_7") == 0) {
    chan<signal_info> ch(1);
    if (!notify(ch, {SIGTERM})) return 10;
    (void)!::write(1, "r", 1);
    auto s = ch.recv_for(10s);
    return s && s->signo == SIGTERM ? 7 : 4;
  }
  if (std::strcmp(mode, "storm") == 0) {
    for (int i = 0; i < 10000; ++i) ::kill(::getppid(), SIGUSR1);
    return 0;
  }
  if (std::strcmp(mode, "send_once") == 0) {
    return ::kill(::getppid(), SIGUSR2) == 0 ? 0 : 5;
  }
  return 99;
}

const int child_hook = [] {
  if (const char* mode = std::getenv("CONDUIT_SIGNAL_CHILD")) ::_exit(child_main(mode));
  // The dispatcher's pipe and thread live as long as the process: start them before the fd
  // counts of the tests are taken.
  chan<signal_info> warm(1);
  (void)notify(warm, {SIGUSR1});
  stop(warm);
  return 0;
}();

struct child {
  pid_t pid = -1;
  int out = -1;  // the child's stdout
};

child spawn_child(const std::string& mode) {
  int p[2];
  EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], 1);
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&at, &all);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  std::string env = "CONDUIT_SIGNAL_CHILD=" + mode;
  char* envp[] = {env.data(), nullptr};
  char exe[] = "/proc/self/exe";
  char* argv[] = {exe, nullptr};
  child c;
  EXPECT_EQ(posix_spawn(&c.pid, "/proc/self/exe", &fa, &at, argv, envp), 0);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  ::close(p[1]);
  c.out = p[0];
  return c;
}

// Waits (through the runtime, on a pidfd) for the child to end; returns its wait status or -1.
int wait_child(pid_t pid, deadline limit) {
  int pfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pfd >= 0) {
    while (runtime::wait_fd(pfd, runtime::interest::read, limit) != runtime::fd_wait::ready) {
      if (limit.passed()) break;
    }
    ::close(pfd);
  }
  int status = 0;
  if (::waitpid(pid, &status, limit.passed() ? WNOHANG : 0) != pid) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return -1;
  }
  return status;
}

// Reads the child's "ready" byte, bounded.
bool child_ready(int fd) {
  runtime::poll_fd p{unique_fd(::dup(fd))};
  p.set_deadline(deadline::after(10s));
  std::byte b[1];
  auto r = p.read(b);
  return r && *r == 1;
}

// ---- tests ----

TEST(SignalTest, NamesSignals) {
  EXPECT_STREQ(name(SIGTERM), "SIGTERM");
  EXPECT_STREQ(name(SIGINT), "SIGINT");
  EXPECT_STREQ(name(SIGRTMIN + 3), "SIGRTMIN+3");
  EXPECT_STREQ(name(0), "SIG?");
  signal_info i{SIGHUP};
  EXPECT_STREQ(i.name(), "SIGHUP");
}

TEST(SignalTest, EachCommonSignalIsDelivered) {
  for (int s : {SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGTERM, SIGWINCH, SIGCHLD, SIGALRM}) {
    chan<signal_info> ch(1);
    ASSERT_TRUE(notify(ch, {s}));
    ASSERT_TRUE(raise(s));
    auto got = ch.recv_for(10s);
    ASSERT_TRUE(got) << name(s);
    EXPECT_EQ(got->signo, s);
    EXPECT_EQ(got->pid, ::getpid());
    EXPECT_EQ(got->uid, ::getuid());
    EXPECT_EQ(got->code, SI_USER);
    stop(ch);
  }
}

TEST(SignalTest, SeveralChannelsEachGetTheSignal) {
  chan<signal_info> a(1), b(1), c(1);
  ASSERT_TRUE(notify(a, {SIGUSR1}));
  ASSERT_TRUE(notify(b, {SIGUSR1, SIGUSR2}));
  ASSERT_TRUE(notify(c, {SIGUSR2}));
  ASSERT_TRUE(raise(SIGUSR1));
  EXPECT_EQ(a.recv_for(10s)->signo, SIGUSR1);
  EXPECT_EQ(b.recv_for(10s)->signo, SIGUSR1);
  ASSERT_TRUE(raise(SIGUSR2));
  EXPECT_EQ(b.recv_for(10s)->signo, SIGUSR2);
  EXPECT_EQ(c.recv_for(10s)->signo, SIGUSR2);
  EXPECT_EQ(a.try_recv().error(), errc::would_block);
  stop(a);
  stop(b);
  stop(c);
}

TEST(SignalTest, NotifyAgainAddsToTheSet) {
  chan<signal_info> ch(2);
  ASSERT_TRUE(notify(ch, {SIGUSR1}));
  ASSERT_TRUE(notify(ch, {SIGUSR2}));
  ASSERT_TRUE(raise(SIGUSR2));
  EXPECT_EQ(ch.recv_for(10s)->signo, SIGUSR2);
  ASSERT_TRUE(raise(SIGUSR1));
  EXPECT_EQ(ch.recv_for(10s)->signo, SIGUSR1);
  stop(ch);
}

TEST(SignalTest, AFullChannelDropsOnlyForItself) {
  chan<signal_info> full(1), free(1);
  ASSERT_TRUE(full.try_send(signal_info{0}));
  ASSERT_TRUE(notify(full, {SIGUSR1}));
  ASSERT_TRUE(notify(free, {SIGUSR1}));
  ASSERT_TRUE(raise(SIGUSR1));
  EXPECT_EQ(free.recv_for(10s)->signo, SIGUSR1);
  // The full channel still holds only what it had: the signal was dropped for it.
  EXPECT_EQ(full.try_recv()->signo, 0);
  EXPECT_EQ(full.try_recv().error(), errc::would_block);
  stop(full);
  stop(free);
}

TEST(SignalTest, NothingIsSentAfterStop) {
  chan<signal_info> a(4), probe(4);
  ASSERT_TRUE(notify(a, {SIGUSR1}));
  ASSERT_TRUE(notify(probe, {SIGUSR1}));
  stop(a);
  ASSERT_TRUE(raise(SIGUSR1));
  ASSERT_TRUE(probe.recv_for(10s));  // the dispatcher has handled this signal
  EXPECT_EQ(a.try_recv().error(), errc::would_block);
  stop(probe);
}

TEST(SignalTest, RefusesUncatchableAndFaultSignals) {
  chan<signal_info> ch(1);
  for (int s : {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) {
    auto r = notify(ch, {s});
    ASSERT_FALSE(r) << name(s);
    EXPECT_EQ(r.error(), errc::uncatchable_signal);
    EXPECT_EQ(ignore({s}).error(), errc::uncatchable_signal);
  }
  EXPECT_TRUE(notify(ch, {0}).error() == std::errc::invalid_argument);
  EXPECT_TRUE(notify(ch, {NSIG + 5}).error() == std::errc::invalid_argument);
  // Nothing was registered by the refused calls.
  stop(ch);
}

TEST(SignalTest, IgnoreSurvivesNotifyAllAndResetRestores) {
  ASSERT_FALSE(ignored(SIGUSR2));
  ASSERT_TRUE(ignore({SIGUSR2}));
  EXPECT_TRUE(ignored(SIGUSR2));
  ASSERT_TRUE(raise(SIGUSR2));  // nothing happens: we are alive
  chan<signal_info> all(64);
  ASSERT_TRUE(notify(all));  // every catchable signal, but not the ignored one
  EXPECT_TRUE(ignored(SIGUSR2));
  stop(all);
  reset({SIGUSR2});
  EXPECT_FALSE(ignored(SIGUSR2));
}

TEST(SignalTest, NotifyNamingAnIgnoredSignalUnignoresIt) {
  ASSERT_TRUE(ignore({SIGUSR1}));
  chan<signal_info> ch(1);
  ASSERT_TRUE(notify(ch, {SIGUSR1}));
  EXPECT_FALSE(ignored(SIGUSR1));
  ASSERT_TRUE(raise(SIGUSR1));
  EXPECT_TRUE(ch.recv_for(10s));
  stop(ch);
  reset({SIGUSR1});
}

TEST(SignalTest, StopRestoresThePreviousDisposition) {
  struct sigaction before {};
  ::sigaction(SIGUSR1, nullptr, &before);
  chan<signal_info> ch(1);
  ASSERT_TRUE(notify(ch, {SIGUSR1}));
  struct sigaction during {};
  ::sigaction(SIGUSR1, nullptr, &during);
  EXPECT_NE(during.sa_flags & SA_SIGINFO, 0);
  stop(ch);
  struct sigaction after {};
  ::sigaction(SIGUSR1, nullptr, &after);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
}

TEST(SignalTest, AfterStopTheDefaultActionIsBackInAChild) {
  child c = spawn_child("stop_then_die");
  ASSERT_TRUE(child_ready(c.out));
  ::close(c.out);
  ASSERT_TRUE(send(c.pid, SIGTERM));
  int status = wait_child(c.pid, deadline::after(20s));
  ASSERT_NE(status, -1);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
}

TEST(SignalTest, ASignalFromAnotherProcessIsDeliveredThere) {
  child c = spawn_child("notified_exits_7");
  ASSERT_TRUE(child_ready(c.out));
  ::close(c.out);
  ASSERT_TRUE(send(c.pid, SIGTERM));
  int status = wait_child(c.pid, deadline::after(20s));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 7);
}

TEST(SignalTest, SenderPidAndUidAreRight) {
  chan<signal_info> ch(1);
  ASSERT_TRUE(notify(ch, {SIGUSR2}));
  child c = spawn_child("send_once");
  ::close(c.out);
  auto got = ch.recv_for(20s);
  int status = wait_child(c.pid, deadline::after(20s));
  stop(ch);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->pid, c.pid);
  EXPECT_EQ(got->uid, ::getuid());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(SignalTest, TenThousandSignalsFromAChildLeaveTheProcessHealthy) {
  chan<signal_info> ch(64);
  ASSERT_TRUE(notify(ch, {SIGUSR1}));
  child c = spawn_child("storm");
  ::close(c.out);
  int status = wait_child(c.pid, deadline::after(60s));
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto first = ch.recv_for(20s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->signo, SIGUSR1);
  while (ch.try_recv()) {
  }
  stop(ch);
  // Still healthy: a fresh signal still arrives.
  chan<signal_info> again(1);
  ASSERT_TRUE(notify(again, {SIGUSR2}));
  ASSERT_TRUE(raise(SIGUSR2));
  EXPECT_TRUE(again.recv_for(10s));
  stop(again);
}

TEST(SignalTest, BlockingCallsSeeNoSpuriousErrorsDuringA1kHzStorm) {
  chan<signal_info> sink(1);  // mostly full: the storm must not disturb anything
  ASSERT_TRUE(notify(sink, {SIGUSR1}));
  std::atomic<bool> storming{true};
  test::scoped_thread storm([&] {
    while (storming.load()) {
      (void)raise(SIGUSR1);
      std::this_thread::sleep_for(1ms);
    }
  });
  // A channel receive whose value comes late.
  chan<int> values(0);
  test::scoped_thread sender([&] {
    sleep_for(200ms);
    ASSERT_TRUE(values.send_for(5, 10s));
  });
  auto v = values.recv_for(10s);
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(*v, 5);
  // A pipe read through the poll descriptor.
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  runtime::poll_fd rd{unique_fd(p[0])};
  unique_fd wr(p[1]);
  test::scoped_thread writer([&] {
    sleep_for(200ms);
    ASSERT_EQ(::write(wr.get(), "ok", 2), 2);
  });
  rd.set_deadline(deadline::after(10s));
  std::byte buf[4];
  auto r = rd.read(buf);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, 2u);
  writer.join();
  // A sleep is not cut short.
  auto start = clock::now();
  sleep_for(100ms);
  EXPECT_GE(clock::now() - start, 100ms);
  storming.store(false);
  storm.join();
  stop(sink);
}

TEST(ShutdownSignalTest, DoneClosesOnTheFirstSignalAndSaysWhich) {
  auto sh = shutdown_signal::listen({SIGUSR1, SIGUSR2});
  ASSERT_TRUE(sh);
  EXPECT_FALSE(sh->cause());
  EXPECT_EQ(sh->done().recv_for(20ms).error(), errc::timeout);
  ASSERT_TRUE(raise(SIGUSR2));
  EXPECT_EQ(sh->done().recv_for(10s).error(), errc::channel_closed);
  ASSERT_TRUE(sh->cause());
  EXPECT_EQ(sh->cause()->signo, SIGUSR2);
  // It stopped listening: the previous disposition is back.
  struct sigaction now {};
  ::sigaction(SIGUSR2, nullptr, &now);
  EXPECT_EQ(now.sa_flags & SA_SIGINFO, 0);
}

TEST(ShutdownSignalTest, StopBeforeAnySignalRestores) {
  {
    auto sh = shutdown_signal::listen({SIGUSR1});
    ASSERT_TRUE(sh);
  }
  struct sigaction now {};
  ::sigaction(SIGUSR1, nullptr, &now);
  EXPECT_EQ(now.sa_handler, SIG_DFL);
}

}  // namespace
}  // namespace conduit::signal
