// The poll descriptor, proved on raw pipes and socketpairs before any module uses it.
#include "runtime/poll_fd.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/support.hpp"

namespace conduit::runtime {
namespace {

using namespace std::chrono_literals;
using side = poll_fd::side;

std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

struct fd_pair {
  std::unique_ptr<poll_fd> a, b;
};

fd_pair make_pipe() {
  int p[2];
  EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
  return {std::make_unique<poll_fd>(unique_fd(p[0])), std::make_unique<poll_fd>(unique_fd(p[1]))};
}

fd_pair make_socketpair(int type = SOCK_STREAM) {
  int s[2];
  EXPECT_EQ(::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, s), 0);
  return {std::make_unique<poll_fd>(unique_fd(s[0])), std::make_unique<poll_fd>(unique_fd(s[1]))};
}

TEST(PollFdTest, SetsNonBlockingMode) {
  auto p = make_pipe();
  EXPECT_NE(::fcntl(p.a->fd(), F_GETFL) & O_NONBLOCK, 0);
}

TEST(PollFdTest, ReadReturnsWhatWasWritten) {
  auto p = make_pipe();
  auto w = p.b->write(bytes("hello"));
  EXPECT_EQ(w.n, 5u);
  EXPECT_FALSE(w.err);
  std::byte buf[16];
  auto r = p.a->read(buf);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 5u);
  EXPECT_EQ(std::memcmp(buf, "hello", 5), 0);
}

TEST(PollFdTest, ZeroLengthReadAndWriteReturnAtOnce) {
  auto p = make_pipe();
  auto r = p.a->read({});
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 0u);
  auto w = p.b->write({});
  EXPECT_EQ(w.n, 0u);
  EXPECT_FALSE(w.err);
}

TEST(PollFdTest, ReadBlocksUntilDataArrives) {
  auto p = make_pipe();
  test::scoped_thread writer([&] {
    std::this_thread::sleep_for(30ms);
    (void)p.b->write(bytes("late"));
  });
  std::byte buf[8];
  p.a->set_deadline(side::read, deadline::after(10s));
  auto r = p.a->read(buf);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, 4u);
}

TEST(PollFdTest, ReadReturnsEofAfterWriterCloses) {
  auto p = make_pipe();
  (void)p.b->write(bytes("x"));
  ASSERT_TRUE(p.b->close());
  std::byte buf[8];
  auto r = p.a->read(buf);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 1u);
  auto e = p.a->read(buf);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error(), errc::eof);
}

TEST(PollFdTest, WriteWritesEverythingPastThePipeBuffer) {
  auto p = make_pipe();
  std::vector<std::byte> big(1 << 20, std::byte{0x5a});
  std::atomic<std::size_t> got{0};
  test::scoped_thread reader([&] {
    std::vector<std::byte> buf(7000);
    p.a->set_deadline(side::read, deadline::after(30s));
    for (;;) {
      auto r = p.a->read(buf);
      if (!r) break;
      for (std::size_t i = 0; i < *r; ++i) {
        if (buf[i] != std::byte{0x5a}) return;
      }
      got += *r;
    }
  });
  p.b->set_deadline(side::write, deadline::after(30s));
  auto w = p.b->write(big);
  EXPECT_EQ(w.n, big.size());
  EXPECT_FALSE(w.err);
  ASSERT_TRUE(p.b->close());
  reader.join();
  EXPECT_EQ(got.load(), big.size());
}

TEST(PollFdTest, PastReadDeadlineFailsAtOnceWithoutConsuming) {
  auto p = make_pipe();
  (void)p.b->write(bytes("keep"));
  p.a->set_deadline(side::read, deadline::past());
  std::byte buf[8];
  auto start = clock::now();
  auto r = p.a->read(buf);
  EXPECT_LT(clock::now() - start, 50ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::timeout);
  EXPECT_TRUE(r.error() == std::errc::timed_out);
  // The timeout broke nothing: clear the deadline and the data is still there.
  p.a->set_deadline(side::read, deadline::never());
  auto again = p.a->read(buf);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 4u);
}

TEST(PollFdTest, ReadDeadlineFiresWithinSlack) {
  auto p = make_pipe();
  p.a->set_deadline(side::read, deadline::after(50ms));
  std::byte buf[8];
  auto start = clock::now();
  auto r = p.a->read(buf);
  auto took = clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::timeout);
  EXPECT_GE(took, 50ms);
  EXPECT_LT(took, 50ms + test::kSlack);
}

TEST(PollFdTest, DeadlineSetFromAnotherThreadWakesAPendingRead) {
  auto p = make_pipe();
  std::atomic<bool> reading{false};
  result<std::size_t> r = std::size_t{0};
  test::scoped_thread reader([&] {
    std::byte buf[8];
    reading.store(true);
    r = p.a->read(buf);
  });
  while (!reading.load()) std::this_thread::yield();
  std::this_thread::sleep_for(30ms);  // let it block
  // Moving the deadline later first must not wake it with an error...
  p.a->set_deadline(side::read, deadline::after(1h));
  std::this_thread::sleep_for(10ms);
  // ...moving it into the past must.
  auto start = clock::now();
  p.a->set_deadline(side::read, deadline::past());
  reader.join();
  EXPECT_LT(clock::now() - start, 100ms + test::kSlack);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::timeout);
}

TEST(PollFdTest, WriteDeadlineReportsHowMuchWentOut) {
  auto p = make_pipe();
  std::vector<std::byte> big(1 << 20);
  p.b->set_deadline(side::write, deadline::after(50ms));
  auto w = p.b->write(big);
  EXPECT_EQ(w.err, errc::timeout);
  EXPECT_GT(w.n, 0u);  // the pipe buffer took some
  EXPECT_LT(w.n, big.size());
  // Exactly w.n bytes are readable.
  std::size_t total = 0;
  std::vector<std::byte> buf(1 << 16);
  p.a->set_deadline(side::read, deadline::after(20ms));
  while (auto r = p.a->read(buf)) total += *r;
  EXPECT_EQ(total, w.n);
}

TEST(PollFdTest, CloseWakesAPendingReadWithClosed) {
  auto p = make_pipe();
  std::atomic<bool> reading{false};
  result<std::size_t> r = std::size_t{0};
  test::scoped_thread reader([&] {
    std::byte buf[8];
    reading.store(true);
    r = p.a->read(buf);
  });
  while (!reading.load()) std::this_thread::yield();
  std::this_thread::sleep_for(30ms);
  auto start = clock::now();
  ASSERT_TRUE(p.a->close());
  reader.join();
  EXPECT_LT(clock::now() - start, 100ms + test::kSlack);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::closed);
  EXPECT_EQ(p.a->fd(), -1);
}

TEST(PollFdTest, CloseWakesAPendingWriteAndQueuedWriters) {
  auto p = make_pipe();
  std::vector<std::byte> big(1 << 20);
  std::atomic<int> started{0};
  std::vector<std::error_code> errs(3);
  std::vector<test::scoped_thread> ts;
  for (int i = 0; i < 3; ++i) {
    ts.emplace_back([&, i] {
      started.fetch_add(1);
      errs[i] = p.b->write(big).err;
    });
  }
  while (started.load() != 3) std::this_thread::yield();
  std::this_thread::sleep_for(30ms);
  ASSERT_TRUE(p.b->close());
  for (auto& t : ts) t.join();
  for (auto& e : errs) EXPECT_EQ(e, errc::closed);
}

TEST(PollFdTest, OperationsAfterCloseFailWithClosed) {
  auto p = make_pipe();
  ASSERT_TRUE(p.a->close());
  std::byte buf[4];
  EXPECT_EQ(p.a->read(buf).error(), errc::closed);
  EXPECT_EQ(p.a->close().error(), errc::closed);
  EXPECT_EQ(p.a->wait_ready(side::read).error(), errc::closed);
}

TEST(PollFdTest, ConcurrentWritesAreNeverInterleaved) {
  auto s = make_socketpair();
  constexpr std::size_t kBlock = 64 * 1024;
  constexpr int kWriters = 4, kEach = 8;
  std::vector<test::scoped_thread> ts;
  for (int w = 0; w < kWriters; ++w) {
    ts.emplace_back([&, w] {
      std::vector<std::byte> block(kBlock, static_cast<std::byte>('a' + w));
      for (int i = 0; i < kEach; ++i) EXPECT_FALSE(s.a->write(block).err);
    });
  }
  std::vector<std::byte> got;
  got.reserve(kBlock * kWriters * kEach);
  std::vector<std::byte> buf(10000);
  s.b->set_deadline(side::read, deadline::after(30s));
  while (got.size() < kBlock * kWriters * kEach) {
    auto r = s.b->read(buf);
    ASSERT_TRUE(r) << r.error().message();
    got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*r));
  }
  for (auto& t : ts) t.join();
  for (std::size_t off = 0; off < got.size(); off += kBlock) {
    for (std::size_t i = 1; i < kBlock; ++i) {
      ASSERT_EQ(got[off + i], got[off]) << "block at " << off << " interleaved at " << i;
    }
  }
}

TEST(PollFdTest, GenericIoOnASocketReportsEpipeAsAnError) {
  auto s = make_socketpair();
  ASSERT_TRUE(s.b->close());
  auto r = s.a->io(side::write, [&] { return ::send(s.a->fd(), "x", 1, MSG_NOSIGNAL); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errno_code(EPIPE));
}

TEST(PollFdTest, GenericIoRecvOnADatagramSocketpair) {
  auto s = make_socketpair(SOCK_DGRAM);
  test::scoped_thread sender([&] {
    std::this_thread::sleep_for(20ms);
    (void)s.b->io(side::write, [&] { return ::send(s.b->fd(), "dgram", 5, MSG_NOSIGNAL); });
  });
  char buf[16];
  s.a->set_deadline(deadline::after(10s));
  auto r = s.a->io(side::read, [&] { return ::recv(s.a->fd(), buf, sizeof buf, 0); });
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 5u);
}

TEST(PollFdTest, WriteWithAnOpLoopsOverPartialSends) {
  auto s = make_socketpair();
  std::vector<std::byte> data(100000, std::byte{7});
  int calls = 0;
  test::scoped_thread reader([&] {
    std::vector<std::byte> buf(4096);
    std::size_t got = 0;
    s.b->set_deadline(side::read, deadline::after(30s));
    while (got < data.size()) {
      auto r = s.b->read(buf);
      if (!r) break;
      got += *r;
    }
    EXPECT_EQ(got, data.size());
  });
  s.a->set_deadline(side::write, deadline::after(30s));
  auto w = s.a->write(data, [&](std::span<const std::byte> rest) {
    ++calls;  // at most 1000 bytes a call: forces the loop
    return ::send(s.a->fd(), rest.data(), std::min<std::size_t>(rest.size(), 1000), MSG_NOSIGNAL);
  });
  EXPECT_EQ(w.n, data.size());
  EXPECT_FALSE(w.err);
  EXPECT_GE(calls, 100);
}

TEST(PollFdTest, ControlRunsWhileAReadIsPendingAndFailsAfterClose) {
  auto s = make_socketpair();
  std::atomic<bool> reading{false};
  result<std::size_t> r = std::size_t{0};
  test::scoped_thread reader([&] {
    std::byte buf[8];
    s.a->set_deadline(side::read, deadline::after(30s));
    reading.store(true);
    r = s.a->read(buf);
  });
  while (!reading.load()) std::this_thread::yield();
  std::this_thread::sleep_for(20ms);
  // shutdown(SHUT_RD) must not queue behind the pending read; it ends it with eof.
  auto c = s.a->control([&] { return static_cast<ssize_t>(::shutdown(s.a->fd(), SHUT_RD)); });
  EXPECT_TRUE(c);
  reader.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::eof);
  ASSERT_TRUE(s.a->close());
  EXPECT_EQ(s.a->control([] { return ssize_t{0}; }).error(), errc::closed);
}

TEST(PollFdTest, WaitReadyForWriteOnAnEmptyPipe) {
  auto p = make_pipe();
  EXPECT_TRUE(p.b->wait_ready(side::write));
  p.a->set_deadline(side::read, deadline::after(20ms));
  EXPECT_EQ(p.a->wait_ready(side::read).error(), errc::timeout);
}

// An fd number is never closed under a running call: readers loop on one descriptor while
// it is closed and the number is reused by a new pipe; no reader may touch the new pipe.
TEST(PollFdTest, ClosedNumberReuseIsNeverReadByOldCalls) {
  for (int round = 0; round < 20; ++round) {
    auto p = make_pipe();
    std::atomic<int> running{0};
    std::vector<test::scoped_thread> ts;
    for (int i = 0; i < 3; ++i) {
      ts.emplace_back([&] {
        std::byte buf[8];
        running.fetch_add(1);
        while (p.a->read(buf)) {
        }
      });
    }
    while (running.load() != 3) std::this_thread::yield();
    ASSERT_TRUE(p.a->close());
    int fresh[2];
    ASSERT_EQ(::pipe2(fresh, O_CLOEXEC | O_NONBLOCK), 0);
    ASSERT_EQ(::write(fresh[1], "sentinel", 8), 8);
    for (auto& t : ts) t.join();
    char buf[16];
    EXPECT_EQ(::read(fresh[0], buf, sizeof buf), 8) << "an old call read the reused number";
    ::close(fresh[0]);
    ::close(fresh[1]);
  }
}

extern "C" void ignore_signal(int) {}

// A handled signal interrupting a blocked read 1000 times a second causes no error.
TEST(PollFdTest, EintrStormCausesNoSpuriousError) {
  struct sigaction sa {};
  struct sigaction old {};
  sa.sa_handler = ignore_signal;  // no SA_RESTART: syscalls fail with EINTR
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(::sigaction(SIGUSR1, &sa, &old), 0);
  auto p = make_pipe();
  std::atomic<bool> done{false};
  std::atomic<pthread_t> reader_id{};
  std::atomic<bool> ready{false};
  result<std::size_t> r = std::size_t{0};
  test::scoped_thread reader([&] {
    reader_id.store(::pthread_self());
    ready.store(true);
    std::byte buf[8];
    p.a->set_deadline(side::read, deadline::after(20s));
    r = p.a->read(buf);
    done.store(true);
  });
  while (!ready.load()) std::this_thread::yield();
  auto until = clock::now() + 300ms;
  int sent = 0;
  while (clock::now() < until) {
    ::pthread_kill(reader_id.load(), SIGUSR1);
    ++sent;
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_FALSE(done.load()) << "the read returned during the storm";
  (void)p.b->write(bytes("ok"));
  reader.join();
  ::sigaction(SIGUSR1, &old, nullptr);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, 2u);
  EXPECT_GT(sent, 50);
}

}  // namespace
}  // namespace conduit::runtime
