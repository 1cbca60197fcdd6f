// os::command and os::pipeline: lookup and start errors with Go's context, stdio wiring,
// environment and working directory, the child's fds and signal state, deadlines, process
// groups, and pipelines with every stage's status.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <conduit/os/exec.hpp>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include "support/support.hpp"

namespace conduit::os {
namespace {

using namespace std::chrono_literals;

deadline soon() { return deadline::after(20s); }

std::string read_all(file& f) {
  (void)f.set_read_deadline(soon());
  std::string s;
  char buf[4096];
  for (;;) {
    auto n = f.read(std::as_writable_bytes(std::span(buf)));
    if (!n) break;
    s.append(buf, *n);
  }
  return s;
}

TEST(CommandTest, RunReportsSuccessAndExitCodes) {
  auto ok = command("true").run(soon());
  ASSERT_TRUE(ok) << ok.error().what();
  EXPECT_TRUE(ok->success());
  auto bad = command("sh", {"-c", "exit 3"}).run(soon());
  ASSERT_TRUE(bad) << bad.error().what();
  EXPECT_FALSE(bad->success());
  EXPECT_TRUE(bad->exited());
  EXPECT_EQ(bad->exit_code(), 3);
  EXPECT_EQ(bad->to_string(), "exit status 3");
}

TEST(CommandTest, OutputCollectsStdout) {
  auto out = command("echo", {"hello", "world"}).output(soon());
  ASSERT_TRUE(out) << out.error().what();
  EXPECT_EQ(out->out, "hello world\n");
  EXPECT_TRUE(out->status.success());
}

TEST(CommandTest, CombinedOutputCollectsStdoutAndStderr) {
  auto out = command("sh", {"-c", "echo out; echo err 1>&2"}).combined_output(soon());
  ASSERT_TRUE(out) << out.error().what();
  EXPECT_EQ(out->out, "out\nerr\n");
}

TEST(CommandTest, AMissingProgramFailsAtStartWithGosMessage) {
  command c("conduit-no-such-program");
  auto r = c.start();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(r.error().what(),
            "exec: \"conduit-no-such-program\": executable file not found in $PATH");
  EXPECT_FALSE(c.started());
  EXPECT_EQ(c.process().pid(), -1);
}

TEST(CommandTest, AMissingPathFailsAtStartNotAsExit127) {
  auto r = command("/nonexistent/conduit/prog").run(soon());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(r.error().what(), "fork/exec /nonexistent/conduit/prog: No such file or directory");
}

TEST(CommandTest, ANonExecutableFileFailsWithEacces) {
  auto r = command("/etc/passwd").start();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), std::errc::permission_denied);
}

TEST(CommandTest, ABadWorkingDirectoryFailsWithChdirContext) {
  command c("true");
  c.dir("/nonexistent/conduit");
  auto r = c.start();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(r.error().what(), "chdir /nonexistent/conduit: No such file or directory");
}

TEST(CommandTest, DirSetsTheWorkingDirectory) {
  command c("pwd");
  c.dir("/");
  auto out = c.output(soon());
  ASSERT_TRUE(out) << out.error().what();
  EXPECT_EQ(out->out, "/\n");
}

TEST(CommandTest, EnvReplacesSetEnvAddsAndUnsetEnvRemoves) {
  command replaced("/bin/sh", {"-c", "echo \"$A|$HOME\""});
  replaced.env({"A=1"});
  auto out = replaced.output(soon());
  ASSERT_TRUE(out) << out.error().what();
  EXPECT_EQ(out->out, "1|\n");

  ASSERT_EQ(::setenv("CONDUIT_TEST_INHERITED", "yes", 1), 0);
  command added("sh", {"-c", "echo \"$CONDUIT_TEST_INHERITED|$B|$CONDUIT_TEST_GONE\""});
  added.set_env("B", "first").set_env("B", "second").set_env("CONDUIT_TEST_GONE", "x");
  added.unset_env("CONDUIT_TEST_GONE");
  out = added.output(soon());
  ::unsetenv("CONDUIT_TEST_INHERITED");
  ASSERT_TRUE(out) << out.error().what();
  EXPECT_EQ(out->out, "yes|second|\n");
}

TEST(CommandTest, StdinAndStdoutPipesCarryData) {
  command c("cat");
  auto in = c.stdin_pipe();
  auto out = c.stdout_pipe();
  ASSERT_TRUE(in);
  ASSERT_TRUE(out);
  auto s = c.start();
  ASSERT_TRUE(s) << s.error().what();
  ASSERT_TRUE(in->set_write_deadline(soon()));
  EXPECT_FALSE(in->write("through cat\n").err);
  ASSERT_TRUE(in->close());
  EXPECT_EQ(read_all(*out), "through cat\n");
  auto st = c.wait(soon());
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->success());
}

TEST(CommandTest, StderrPipeCarriesStderr) {
  command c("sh", {"-c", "echo oops 1>&2"});
  auto err = c.stderr_pipe();
  ASSERT_TRUE(err);
  ASSERT_TRUE(c.start());
  EXPECT_EQ(read_all(*err), "oops\n");
  ASSERT_TRUE(c.wait(soon()));
}

TEST(CommandTest, APipeForAStreamAlreadySetIsRefused) {
  command c("true");
  ASSERT_TRUE(c.stdout_pipe());
  EXPECT_EQ(c.stdout_pipe().error(), std::errc::invalid_argument);
  EXPECT_EQ(c.output(soon()).error().code(), std::errc::invalid_argument);
}

TEST(CommandTest, NullStdinGivesTheEndOfInputAtOnce) {
  command c("cat");
  c.stdin_from(stdio::null());
  auto out = c.output(soon());
  ASSERT_TRUE(out) << out.error().what();
  EXPECT_EQ(out->out, "");
  EXPECT_TRUE(out->status.success());
}

TEST(CommandTest, StdinFromAFileIsReadByTheChild) {
  auto p = os::pipe();
  ASSERT_TRUE(p);
  ASSERT_FALSE(p->writer.write("from a file\n").err);
  ASSERT_TRUE(p->writer.close());
  command c("cat");
  c.stdin_from(stdio::from(std::move(p->reader)));
  auto out = c.output(soon());
  ASSERT_TRUE(out) << out.error().what();
  EXPECT_EQ(out->out, "from a file\n");
}

TEST(CommandTest, ExtraFilesBecomeFdThreeOnward) {
  auto p = os::pipe();
  ASSERT_TRUE(p);
  command c("sh", {"-c", "echo on-three >&3"});
  c.extra_file(stdio::from(std::move(p->writer)));
  auto st = c.run(soon());
  ASSERT_TRUE(st) << st.error().what();
  EXPECT_TRUE(st->success());
  EXPECT_EQ(read_all(p->reader), "on-three\n");
}

TEST(CommandTest, TheChildInheritsNoOtherFd) {
  // An fd without close-on-exec, as a careless library might leave one.
  int leak = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leak, 0);
  std::string probe =
      "test -e /proc/self/fd/" + std::to_string(leak) + " && echo leaked || echo clean";
  auto out = command("sh", {"-c", probe}).output(soon());
  ::close(leak);
  ASSERT_TRUE(out) << out.error().what();
  EXPECT_EQ(out->out, "clean\n");
}

TEST(CommandTest, TheChildStartsWithDefaultSignalsAndAnEmptyMask) {
  struct sigaction old {};
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  ASSERT_EQ(::sigaction(SIGUSR2, &ign, &old), 0);
  sigset_t block, prev;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &block, &prev), 0);
  auto out = command("grep", {"-E", "^Sig(Blk|Ign)", "/proc/self/status"}).output(soon());
  ::pthread_sigmask(SIG_SETMASK, &prev, nullptr);
  ::sigaction(SIGUSR2, &old, nullptr);
  ASSERT_TRUE(out) << out.error().what();
  unsigned long long blk = 0, ignored = 0;
  ASSERT_EQ(std::sscanf(out->out.c_str(), "SigBlk:\t%llx\nSigIgn:\t%llx", &blk, &ignored), 2)
      << out->out;
  EXPECT_EQ(blk, 0u);
  // glibc's posix_spawn leaves its two internal signals (32 and 33, below SIGRTMIN, never
  // an application's) ignored; every other signal is at its default.
  constexpr unsigned long long kGlibcInternal = (1ull << 31) | (1ull << 32);
  EXPECT_EQ(ignored & ~kGlibcInternal, 0u) << out->out;
}

TEST(CommandTest, WaitHonoursItsDeadlineAndKillEndsTheChild) {
  command c("sleep", {"10"});
  ASSERT_TRUE(c.start());
  auto start = clock::now();
  auto st = c.wait(deadline::after(50ms));
  auto took = clock::now() - start;
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), errc::timeout);
  EXPECT_GE(took, 50ms);
  EXPECT_LT(took, 50ms + test::kSlack);
  ASSERT_TRUE(c.process().kill());
  st = c.wait(soon());
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->signaled());
  EXPECT_EQ(st->signal(), SIGKILL);
  EXPECT_EQ(st->exit_code(), -1);
  EXPECT_EQ(st->to_string(), "signal: killed");
  // Waited: the same status again, and signals find no process.
  EXPECT_EQ(*c.wait(deadline::past()), *st);
  EXPECT_EQ(c.process().signal(SIGTERM).error(), std::errc::no_such_process);
}

TEST(CommandTest, RunKillsAndReapsAChildStillRunningAtTheDeadline) {
  command c("sleep", {"10"});
  auto start = clock::now();
  auto st = c.run(deadline::after(50ms));
  EXPECT_LT(clock::now() - start, 50ms + test::kSlack);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), errc::timeout);
  auto again = c.wait(deadline::past());  // reaped by run
  ASSERT_TRUE(again);
  EXPECT_EQ(again->signal(), SIGKILL);
}

TEST(CommandTest, KillGroupReachesTheGrandchildren) {
  command c("sh", {"-c", "sleep 10 & sleep 10; wait"});
  c.new_process_group();
  auto out = c.stdout_pipe();  // held open by the grandchild too
  ASSERT_TRUE(out);
  ASSERT_TRUE(c.start());
  ASSERT_TRUE(c.process().kill_group());
  auto st = c.wait(soon());
  ASSERT_TRUE(st);
  EXPECT_EQ(st->signal(), SIGKILL);
  // Every holder of the pipe is gone: the read sees the end of stream, not the deadline.
  EXPECT_EQ(read_all(*out), "");
}

TEST(CommandTest, SignalGroupWithoutANewGroupIsRefused) {
  command c("true");
  ASSERT_TRUE(c.start());
  EXPECT_EQ(c.process().signal_group(SIGTERM).error(), std::errc::invalid_argument);
  ASSERT_TRUE(c.wait(soon()));
}

TEST(CommandTest, TerminatedBySignalIsReportedAsGoDoes) {
  auto st = command("sh", {"-c", "kill -TERM $$"}).run(soon());
  ASSERT_TRUE(st) << st.error().what();
  EXPECT_EQ(st->signal(), SIGTERM);
  EXPECT_EQ(st->to_string(), "signal: terminated");
}

TEST(CommandTest, StartTwiceAndWaitBeforeStartAreErrors) {
  command c("true");
  EXPECT_EQ(c.wait(deadline::past()).error(), std::errc::no_such_process);
  ASSERT_TRUE(c.start());
  auto again = c.start();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().what(), "exec: already started");
  ASSERT_TRUE(c.wait(soon()));
}

TEST(CommandTest, StringShowsThePathAndArguments) {
  command c("echo", {"a", "b"});
  EXPECT_EQ(c.string(), "echo a b");
  ASSERT_TRUE(c.output(soon()));
  EXPECT_EQ(c.path().front(), '/');
  EXPECT_EQ(c.string(), c.path() + " a b");
}

TEST(CommandTest, TwoThreadsWaitingGetTheSameStatus) {
  command c("sh", {"-c", "exit 7"});
  ASSERT_TRUE(c.start());
  result<exit_status> a = fail(errc::closed);
  test::scoped_thread t([&] { a = c.process().wait(soon()); });
  auto b = c.wait(soon());
  t.join();
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(a->exit_code(), 7);
  EXPECT_EQ(b->exit_code(), 7);
}

TEST(PipelineTest, OutputOfTwoStagesWithEveryStatus) {
  pipeline p(command("printf", {"apple\\nbanana\\ncherry\\n"}), command("grep", {"an"}));
  auto out = p.output(soon());
  ASSERT_TRUE(out) << out.error().what();
  EXPECT_EQ(out->out, "banana\n");
  ASSERT_EQ(out->statuses.size(), 2u);
  EXPECT_TRUE(out->success());
}

TEST(PipelineTest, ThreeStages) {
  std::vector<command> stages;
  stages.emplace_back("printf", std::vector<std::string>{"a b c\\n"});
  stages.emplace_back("tr", std::vector<std::string>{"a-z", "A-Z"});
  stages.emplace_back("tr", std::vector<std::string>{"-d", " "});
  pipeline p(std::move(stages));
  auto out = p.output(soon());
  ASSERT_TRUE(out) << out.error().what();
  EXPECT_EQ(out->out, "ABC\n");
  EXPECT_EQ(out->statuses.size(), 3u);
}

TEST(PipelineTest, ReportsEveryStagesStatusLikePipestatus) {
  pipeline p(command("false"), command("true"));
  auto st = p.run(soon());
  ASSERT_TRUE(st) << st.error().what();
  ASSERT_EQ(st->size(), 2u);
  EXPECT_EQ((*st)[0].exit_code(), 1);
  EXPECT_TRUE((*st)[1].success());
}

TEST(PipelineTest, AWriterToAnExitedStageDiesOfSigpipeAsInAShell) {
  pipeline p(command("yes"), command("head", {"-n", "2"}));
  auto out = p.output(soon());
  ASSERT_TRUE(out) << out.error().what();
  EXPECT_EQ(out->out, "y\ny\n");
  EXPECT_EQ(out->statuses[0].signal(), SIGPIPE);
  EXPECT_EQ(out->statuses[0].to_string(), "signal: broken pipe");
  EXPECT_TRUE(out->statuses[1].success());
  EXPECT_FALSE(out->success());
}

TEST(PipelineTest, AStageThatCannotStartFailsTheStartAndTheOthersAreReaped) {
  pipeline p(command("sleep", {"10"}), command("conduit-no-such-stage"), command("cat"));
  auto r = p.start();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().what(),
            "exec: \"conduit-no-such-stage\": executable file not found in $PATH");
  auto first = p.stage(0).wait(deadline::past());  // killed and reaped
  ASSERT_TRUE(first);
  EXPECT_EQ(first->signal(), SIGKILL);
}

TEST(PipelineTest, RunKillsEveryStageAtTheDeadline) {
  pipeline p(command("sleep", {"10"}), command("cat"));
  auto r = p.run(deadline::after(50ms));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), errc::timeout);
  EXPECT_TRUE(p.stage(0).wait(deadline::past()));
  EXPECT_TRUE(p.stage(1).wait(deadline::past()));
}

TEST(PipelineTest, AConnectedStreamAlreadySetIsRefused) {
  command b("cat");
  ASSERT_TRUE(b.stdin_pipe());
  pipeline p(command("true"), std::move(b));
  EXPECT_EQ(p.start().error().code(), std::errc::invalid_argument);
}

}  // namespace
}  // namespace conduit::os
