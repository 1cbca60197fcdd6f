// mq_jobs: a job queue with priorities between a dispatcher and worker processes, over POSIX
// message queues. The dispatcher (this process) creates a job queue and a result queue,
// starts kWorkers workers (this program again, with the argument "worker"), sends kJobs jobs
// (every fifth one urgent: a higher priority, so workers take it first), then one stop job
// per worker at the lowest priority (so they come after every real job). Workers answer each
// job on the result queue. The dispatcher checks every answer and exits 0 only if all are
// right. The queues respect Linux's default limits (at most 10 messages per queue) and are
// removed at the end, whatever happens.
//
//   $ ./example_mq_jobs
//   dispatcher: 200 jobs done by 3 workers (urgent ones: 40), all answers right
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <conduit/ipc/message_queue.hpp>
#include <conduit/runtime/park.hpp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace ipc = conduit::ipc;
using namespace std::chrono_literals;

namespace {

constexpr int kWorkers = 3;
constexpr std::uint32_t kJobs = 200;
constexpr unsigned kUrgent = 10, kNormal = 5, kStop = 0;

struct job {
  std::uint32_t id;
  std::uint32_t n;  // sum the squares of 1..n; id == UINT32_MAX means stop
};

struct answer {
  std::uint32_t id;
  std::int32_t worker;
  std::uint64_t value;
};

std::uint64_t expected(std::uint32_t n) {
  std::uint64_t s = 0;
  for (std::uint64_t k = 1; k <= n; ++k) s += k * k;
  return s;
}

int worker(const char* jobs_name, const char* answers_name) {
  auto jobs = ipc::message_queue::open(jobs_name, ipc::mq_access::read_only);
  auto answers = ipc::message_queue::open(answers_name, ipc::mq_access::write_only);
  if (!jobs || !answers) {
    std::fprintf(stderr, "worker: open: %s\n",
                 (!jobs ? jobs.error() : answers.error()).message().c_str());
    return 2;
  }
  for (;;) {
    auto j = jobs->receive_value<job>(conduit::deadline::after(20s));
    if (!j) {
      std::fprintf(stderr, "worker: receive: %s\n", j.error().message().c_str());
      return 3;
    }
    if (j->id == UINT32_MAX) return 0;
    answer a{j->id, static_cast<std::int32_t>(::getpid()), expected(j->n)};
    if (auto s = answers->send_value(a, 0, conduit::deadline::after(20s)); !s) {
      std::fprintf(stderr, "worker: send: %s\n", s.error().message().c_str());
      return 4;
    }
  }
}

pid_t start_worker(const std::string& jobs, const std::string& answers) {
  char exe[] = "/proc/self/exe";
  char role[] = "worker";
  std::string j = jobs, a = answers;
  char* argv[] = {exe, role, j.data(), a.data(), nullptr};
  pid_t pid = -1;
  if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv, environ) != 0) return -1;
  return pid;
}

// Waits for a child (through the runtime, on a pidfd); its exit status, or -1 (then killed).
int wait_child(pid_t pid, conduit::deadline d) {
  int pfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pfd >= 0) {
    while (!d.passed() && conduit::runtime::wait_fd(pfd, conduit::runtime::interest::read, d) !=
                              conduit::runtime::fd_wait::ready) {
    }
    ::close(pfd);
  }
  int status = 0;
  if (::waitpid(pid, &status, d.passed() ? WNOHANG : 0) != pid) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int dispatcher() {
  const std::string base = "/conduit_example_mq_" + std::to_string(::getpid());
  const std::string jobs_name = base + "_jobs", answers_name = base + "_answers";
  struct unlink_at_exit {
    std::string a, b;
    ~unlink_at_exit() {
      (void)ipc::message_queue::unlink(a);
      (void)ipc::message_queue::unlink(b);
    }
  } cleanup{jobs_name, answers_name};
  // 10 messages per queue: Linux's default /proc/sys/fs/mqueue/msg_max.
  auto jobs = ipc::message_queue::create(
      jobs_name,
      {.max_messages = 10, .message_size = sizeof(job), .how = ipc::mq_access::write_only});
  auto answers = ipc::message_queue::create(
      answers_name,
      {.max_messages = 10, .message_size = sizeof(answer), .how = ipc::mq_access::read_only});
  if (!jobs || !answers) {
    std::fprintf(stderr, "dispatcher: create: %s\n",
                 (!jobs ? jobs.error() : answers.error()).message().c_str());
    return 1;
  }
  std::vector<pid_t> workers;
  for (int w = 0; w < kWorkers; ++w) {
    pid_t pid = start_worker(jobs_name, answers_name);
    if (pid < 0) {
      std::fprintf(stderr, "dispatcher: cannot start a worker\n");
      for (pid_t p : workers) (void)wait_child(p, conduit::deadline::past());
      return 1;
    }
    workers.push_back(pid);
  }

  // The job queue holds 10 jobs and the answer queue 10 answers: while a job does not fit,
  // take answers, so that neither side waits for the other forever. Everything is bounded.
  const auto limit = conduit::deadline::after(60s);
  std::vector<bool> done(kJobs, false);
  std::uint32_t answered = 0, urgent = 0;
  bool ok = true;
  // Takes one answer if one arrives before d; clears ok on a wrong answer or an error.
  auto take_answer = [&](conduit::deadline d) {
    auto a = answers->receive_value<answer>(d);
    if (!a) {
      if (a.error() != conduit::errc::timeout) {
        std::fprintf(stderr, "dispatcher: receive: %s\n", a.error().message().c_str());
        ok = false;
      }
      return;
    }
    if (a->id >= kJobs || done[a->id] || a->value != expected(a->id % 500 + 1)) {
      std::fprintf(stderr, "dispatcher: wrong answer for job %u\n", a->id);
      ok = false;
      return;
    }
    done[a->id] = true;
    ++answered;
  };
  // Sends j with priority prio, taking answers while the job queue is full.
  auto send_job = [&](const job& j, unsigned prio) {
    while (ok) {
      auto s = jobs->try_send_value(j, prio);
      if (s) return;
      if (s.error() != conduit::errc::would_block || limit.passed()) {
        std::fprintf(stderr, "dispatcher: send: %s\n", s.error().message().c_str());
        ok = false;
        return;
      }
      take_answer(conduit::deadline::after(10ms));
    }
  };
  for (std::uint32_t id = 0; id < kJobs && ok; ++id) {
    const bool is_urgent = id % 5 == 0;
    urgent += is_urgent ? 1 : 0;
    send_job(job{id, id % 500 + 1}, is_urgent ? kUrgent : kNormal);
  }
  for (int w = 0; w < kWorkers && ok; ++w) send_job(job{UINT32_MAX, 0}, kStop);
  while (ok && answered < kJobs && !limit.passed()) take_answer(limit);
  int failed_workers = 0;
  for (pid_t p : workers) failed_workers += wait_child(p, conduit::deadline::after(30s)) != 0;
  if (!ok || answered != kJobs || failed_workers != 0) {
    std::fprintf(stderr, "dispatcher: %u of %u answers, %d workers failed\n", answered, kJobs,
                 failed_workers);
    return 1;
  }
  std::printf("dispatcher: %u jobs done by %d workers (urgent ones: %u), all answers right\n",
              answered, kWorkers, urgent);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "worker") == 0) return worker(argv[2], argv[3]);
  return dispatcher();
}
