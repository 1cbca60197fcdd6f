// Faults around pipes, FIFOs and child processes: a peer killed mid-stream, many writer
// processes on one FIFO, a FIFO with no peer, an EINTR storm on blocked calls, a program that
// does not exist. Child processes are other programs (yes, cat) or this test binary run
// again with CONDUIT_FAULT_HELPER set, which selects one helper "test" below (fork() in a
// multi-threaded, TSan-instrumented test process is fragile; exec is not).
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <conduit/io/pipe.hpp>
#include <conduit/os/exec.hpp>
#include <conduit/os/fifo.hpp>
#include <conduit/os/file.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "support/support.hpp"

namespace conduit {
namespace {

using namespace std::chrono_literals;

deadline soon() { return deadline::after(60s); }

const char* helper_role() { return std::getenv("CONDUIT_FAULT_HELPER"); }

// Runs this test binary again as the helper `name` with an argument.
os::command helper(const std::string& name, const std::string& arg) {
  os::command c("/proc/self/exe", {"--gtest_filter=FaultHelper." + name});
  c.set_env("CONDUIT_FAULT_HELPER", name).set_env("CONDUIT_FAULT_ARG", arg);
  c.stdout_to(os::stdio::null());
  return c;
}

// ---- helpers (run only in a child started by helper()) -------------------------------------

// Writes to a pipe whose reader is gone, in a fresh process where SIGPIPE starts at its
// default: conduit's policy must turn the signal into EPIPE. Exits 0 on EPIPE.
TEST(FaultHelper, WriteToBrokenPipe) {
  if (helper_role() == nullptr || std::string(helper_role()) != "WriteToBrokenPipe") {
    GTEST_SKIP() << "helper";
  }
  struct sigaction sa {};
  ASSERT_EQ(::sigaction(SIGPIPE, nullptr, &sa), 0);
  ASSERT_EQ(sa.sa_handler, SIG_DFL);  // nothing installed the policy yet
  auto p = os::pipe();
  ASSERT_TRUE(p);
  ASSERT_TRUE(p->reader.close());
  io_result w = p->writer.write("x");
  ASSERT_EQ(w.err, std::errc::broken_pipe);
}

// Writes CONDUIT_FAULT_ARG = "<fifo path> <id> <count>" records to the FIFO.
constexpr std::size_t kRecordSize = 200;
TEST(FaultHelper, FifoWriter) {
  if (helper_role() == nullptr || std::string(helper_role()) != "FifoWriter") {
    GTEST_SKIP() << "helper";
  }
  char path[512];
  int id = 0, count = 0;
  ASSERT_EQ(std::sscanf(std::getenv("CONDUIT_FAULT_ARG"), "%511s %d %d", path, &id, &count), 3);
  auto w = os::open_fifo(path, os::fifo_end::write, soon());
  ASSERT_TRUE(w) << w.error().message();
  ASSERT_TRUE(w->set_write_deadline(soon()));
  char rec[kRecordSize];
  for (int i = 0; i < count; ++i) {
    // "<id> <seq> " then filler derived from both, so a torn record is detected.
    std::memset(rec, 'a' + (i + id) % 26, sizeof rec);
    int n = std::snprintf(rec, sizeof rec, "%d %d ", id, i);
    rec[n] = '|';
    rec[kRecordSize - 1] = '\n';
    io_result r = w->write_atomic(std::as_bytes(std::span(rec)));
    ASSERT_FALSE(r.err) << r.err.message();
  }
}

// ---- the fault tests ------------------------------------------------------------------------

TEST(OsFaultTest, ReaderGetsEofWhenTheWritingChildIsKilledMidStream) {
  os::command c("yes", {"conduit"});
  auto out = c.stdout_pipe();
  ASSERT_TRUE(out);
  ASSERT_TRUE(c.start());
  ASSERT_TRUE(out->set_read_deadline(soon()));
  std::byte buf[4096];
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(out->read(buf));
  ASSERT_TRUE(c.process().kill());
  for (;;) {  // drain what the child wrote before it died, then the end of stream
    auto n = out->read(buf);
    if (!n) {
      EXPECT_EQ(n.error(), errc::eof);
      break;
    }
  }
  auto st = c.wait(soon());
  ASSERT_TRUE(st);
  EXPECT_EQ(st->signal(), SIGKILL);
}

TEST(OsFaultTest, WriterGetsEpipeNotSigpipeWhenTheReadingChildIsKilledMidStream) {
  os::command c("cat");
  c.stdout_to(os::stdio::null());
  auto in = c.stdin_pipe();
  ASSERT_TRUE(in);
  ASSERT_TRUE(c.start());
  ASSERT_TRUE(in->set_write_deadline(soon()));
  std::vector<std::byte> chunk(16384, std::byte{'z'});
  for (int i = 0; i < 10; ++i) ASSERT_FALSE(in->write(chunk).err);
  ASSERT_TRUE(c.process().kill());
  auto st = c.wait(soon());  // gone: no reader is left
  ASSERT_TRUE(st);
  io_result w = in->write(chunk);
  EXPECT_EQ(w.err, std::errc::broken_pipe);
  // Still alive, and again:
  EXPECT_EQ(in->write(chunk).err, std::errc::broken_pipe);
}

TEST(OsFaultTest, AFreshProcessWritingToABrokenPipeGetsEpipeAndExitsNormally) {
  auto st = helper("WriteToBrokenPipe", "").run(soon());
  ASSERT_TRUE(st) << st.error().what();
  EXPECT_TRUE(st->success()) << st->to_string();
}

TEST(OsFaultTest, FourWriterProcessesTenThousandRecordsEachArriveWhole) {
  constexpr int kWriters = 4, kRecords = 10000;
  auto path = std::filesystem::temp_directory_path() / test::unique_name("conduit_fault_fifo");
  ASSERT_TRUE(os::mkfifo(path));
  // The reader counts records per writer and checks each one whole and in order.
  std::vector<int> next(kWriters, 0);
  std::size_t torn = 0, out_of_order = 0, total = 0;
  std::error_code end;
  test::scoped_thread reader([&] {
    auto r = os::open_fifo(path, os::fifo_end::read, soon());
    if (!r) {
      end = r.error();
      return;
    }
    (void)r->set_read_deadline(soon());
    std::vector<char> buf(64 * 1024);
    std::size_t have = 0;
    for (;;) {
      auto n = r->read(std::as_writable_bytes(std::span(buf.data() + have, buf.size() - have)));
      if (!n) {
        end = n.error();
        break;
      }
      have += *n;
      std::size_t off = 0;
      for (; have - off >= kRecordSize; off += kRecordSize) {
        const char* rec = buf.data() + off;
        char head[32] = {};
        std::memcpy(head, rec, sizeof head - 1);
        int id = -1, seq = -1;
        if (std::sscanf(head, "%d %d", &id, &seq) != 2 || id < 0 || id >= kWriters ||
            rec[kRecordSize - 1] != '\n') {
          ++torn;
          continue;
        }
        const char fill = static_cast<char>('a' + (seq + id) % 26);
        const char* bar = static_cast<const char*>(std::memchr(rec, '|', kRecordSize));
        bool whole = bar != nullptr;
        for (const char* p = bar ? bar + 1 : rec; whole && p < rec + kRecordSize - 1; ++p) {
          whole = *p == fill;
        }
        if (!whole) ++torn;
        if (seq != next[id]) ++out_of_order;
        next[id] = seq + 1;
        ++total;
      }
      std::memmove(buf.data(), buf.data() + off, have - off);
      have -= off;
    }
  });
  // This process holds a write end too, so that the reader sees the end of stream only once
  // every writer is done (not when the first one to finish closes before the last opens).
  auto keep = os::open_fifo(path, os::fifo_end::write, soon());
  ASSERT_TRUE(keep) << keep.error().message();
  std::vector<os::command> writers;
  for (int id = 0; id < kWriters; ++id) {
    writers.push_back(helper(
        "FifoWriter", path.string() + " " + std::to_string(id) + " " + std::to_string(kRecords)));
    auto s = writers.back().start();
    ASSERT_TRUE(s) << s.error().what();
  }
  for (os::command& w : writers) {
    auto st = w.wait(soon());
    ASSERT_TRUE(st);
    EXPECT_TRUE(st->success()) << st->to_string();
  }
  ASSERT_TRUE(keep->close());
  reader.join();
  std::filesystem::remove(path);
  EXPECT_EQ(end, errc::eof) << end.message();
  EXPECT_EQ(torn, 0u);
  EXPECT_EQ(out_of_order, 0u);
  EXPECT_EQ(total, static_cast<std::size_t>(kWriters * kRecords));
  for (int id = 0; id < kWriters; ++id) EXPECT_EQ(next[id], kRecords) << "writer " << id;
}

TEST(OsFaultTest, OpenFifoWithNoPeerTimesOutAtItsDeadline) {
  auto path = std::filesystem::temp_directory_path() / test::unique_name("conduit_fault_fifo");
  ASSERT_TRUE(os::mkfifo(path));
  for (os::fifo_end end : {os::fifo_end::read, os::fifo_end::write}) {
    auto start = clock::now();
    auto f = os::open_fifo(path, end, deadline::after(100ms));
    auto took = clock::now() - start;
    ASSERT_FALSE(f);
    EXPECT_EQ(f.error(), errc::timeout);
    EXPECT_GE(took, 100ms);
    EXPECT_LT(took, 100ms + test::kSlack);
  }
  std::filesystem::remove(path);
}

TEST(OsFaultTest, ACommandThatDoesNotExistFailsAtStartWithAClearMessage) {
  os::command c("conduit-fault-no-such-command", {"arg"});
  auto r = c.start();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(r.error().what(),
            "exec: \"conduit-fault-no-such-command\": executable file not found in $PATH");
  auto o = os::command("conduit-fault-no-such-command").output(soon());
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code(), std::errc::no_such_file_or_directory);
}

// ---- EINTR storm ----------------------------------------------------------------------------

std::atomic<int> g_storm_hits{0};
void on_storm_signal(int) { g_storm_hits.fetch_add(1, std::memory_order_relaxed); }

// Sends SIGUSR1 (handled, without SA_RESTART, so that blocking syscalls fail with EINTR) to
// one thread 1000 times a second while it lives.
class signal_storm {
 public:
  explicit signal_storm(pthread_t target) : target_(target) {
    struct sigaction sa {};
    sa.sa_handler = on_storm_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART
    ::sigaction(SIGUSR1, &sa, &old_);
    thread_ = std::thread([this] {
      while (!stop_.load()) {
        ::pthread_kill(target_, SIGUSR1);
        std::this_thread::sleep_for(1ms);  // the storm's own pace, not a wait for an event
      }
    });
  }
  ~signal_storm() {
    stop_ = true;
    thread_.join();
    ::sigaction(SIGUSR1, &old_, nullptr);
  }

 private:
  pthread_t target_;
  struct sigaction old_ {};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(OsFaultTest, EintrStormDuringAOneSecondPipeReadCausesNoSpuriousError) {
  auto p = os::pipe();
  ASSERT_TRUE(p);
  g_storm_hits = 0;
  signal_storm storm(::pthread_self());
  auto start = clock::now();
  ASSERT_TRUE(p->reader.set_read_deadline(start + 1s));
  test::scoped_thread late([&] {
    std::this_thread::sleep_for(400ms);
    (void)p->writer.write("k");
  });
  std::byte buf[8];
  auto n = p->reader.read(buf);  // the byte, after ~400 ms of interruptions
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, 1u);
  auto e = p->reader.read(buf);  // then nothing until the deadline
  auto took = clock::now() - start;
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error(), errc::timeout);
  EXPECT_GE(took, 1s);
  EXPECT_LT(took, 1s + test::kSlack);
  EXPECT_GT(g_storm_hits.load(), 100);
}

TEST(OsFaultTest, EintrStormDuringAOneSecondIoPipeReadCausesNoSpuriousError) {
  auto [r, w] = io::pipe();
  g_storm_hits = 0;
  signal_storm storm(::pthread_self());
  std::byte buf[8];
  auto start = clock::now();
  auto n = r.read_until(buf, deadline::after(1s));
  auto took = clock::now() - start;
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error(), errc::timeout);
  EXPECT_GE(took, 1s);
  EXPECT_LT(took, 1s + test::kSlack);
  EXPECT_GT(g_storm_hits.load(), 100);
}

TEST(OsFaultTest, EintrStormDuringWaitAndOpenFifoCausesNoSpuriousError) {
  g_storm_hits = 0;
  signal_storm storm(::pthread_self());
  os::command c("sleep", {"0.3"});
  ASSERT_TRUE(c.start());
  auto st = c.wait(soon());
  ASSERT_TRUE(st) << st.error().message();
  EXPECT_TRUE(st->success());
  auto path = std::filesystem::temp_directory_path() / test::unique_name("conduit_fault_fifo");
  ASSERT_TRUE(os::mkfifo(path));
  auto start = clock::now();
  auto f = os::open_fifo(path, os::fifo_end::write, deadline::after(300ms));
  EXPECT_GE(clock::now() - start, 300ms);
  std::filesystem::remove(path);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error(), errc::timeout);
  EXPECT_GT(g_storm_hits.load(), 50);
}

}  // namespace
}  // namespace conduit
