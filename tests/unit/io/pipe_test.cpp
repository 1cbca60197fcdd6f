// io::pipe beyond Go's own tests (those are in tests/go_port/io_pipe_test.cpp): deadlines,
// partial consumption, the ends' lifetimes, and data integrity under many writers.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <conduit/io/pipe.hpp>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "support/support.hpp"

namespace conduit::io {
namespace {

using namespace std::chrono_literals;

deadline soon() { return deadline::after(10s); }

TEST(IoPipeTest, ReadDeadlinePassesWithNoWriter) {
  auto [r, w] = io::pipe();
  std::byte buf[8];
  auto start = clock::now();
  auto n = r.read_for(buf, 30ms);
  auto took = clock::now() - start;
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error(), errc::timeout);
  EXPECT_GE(took, 30ms);
  EXPECT_LT(took, 30ms + test::kSlack);
}

TEST(IoPipeTest, PastReadDeadlineFailsAtOnce) {
  auto [r, w] = io::pipe();
  std::byte buf[8];
  auto n = r.read_until(buf, deadline::past());
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error(), errc::timeout);
}

TEST(IoPipeTest, WriteDeadlinePassesWithNoReaderAndNothingIsDelivered) {
  auto [r, w] = io::pipe();
  io_result wr = w.write_for(as_bytes("lost"), 30ms);
  EXPECT_EQ(wr.n, 0u);
  EXPECT_EQ(wr.err, errc::timeout);
  // The withdrawn bytes are not seen by a later reader: the next write's are.
  test::scoped_thread t([&] { (void)w.write_until(as_bytes("next"), soon()); });
  std::byte buf[8];
  auto n = r.read_until(buf, soon());
  ASSERT_TRUE(n);
  EXPECT_EQ(as_string(std::span(buf, *n)), "next");
}

TEST(IoPipeTest, WriteDeadlineReportsWhatReadersTook) {
  auto [r, w] = io::pipe();
  std::byte buf[3];
  test::scoped_thread t([&] {
    auto n = r.read_until(buf, soon());
    EXPECT_TRUE(n);
  });
  // The reader takes 3 bytes; nobody takes the rest before the deadline.
  io_result wr = w.write_for(as_bytes("abcdefgh"), 200ms);
  t.join();
  EXPECT_EQ(wr.n, 3u);
  EXPECT_EQ(wr.err, errc::timeout);
  EXPECT_EQ(as_string(buf), "abc");
}

TEST(IoPipeTest, WriteDeadlineBoundsTheWaitBehindAnotherWriter) {
  auto [r, w] = io::pipe();
  std::atomic<bool> first_started{false};
  test::scoped_thread first([&] {
    first_started = true;
    (void)w.write_for(as_bytes("first"), 2s);
  });
  while (!first_started) std::this_thread::yield();
  std::this_thread::sleep_for(10ms);  // let the first writer take the turn (either way passes)
  io_result wr = w.write_for(as_bytes("second"), 30ms);
  EXPECT_EQ(wr.n, 0u);
  EXPECT_EQ(wr.err, errc::timeout);
  r.close();  // releases the first writer
}

TEST(IoPipeTest, ReaderCloseDuringAPartlyConsumedWriteReportsTheCount) {
  auto [r, w] = io::pipe();
  io_result wr;
  test::scoped_thread t([&] { wr = w.write_until(as_bytes("0123456789"), soon()); });
  std::byte buf[4];
  auto n = r.read_until(buf, soon());
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 4u);
  r.close();
  t.join();
  EXPECT_EQ(wr.n, 4u);
  EXPECT_EQ(wr.err, errc::closed_pipe);
}

TEST(IoPipeTest, DestroyingTheWriterGivesReadersEof) {
  auto p = io::pipe();
  pipe_reader r = std::move(p.reader);
  { pipe_writer w = std::move(p.writer); }
  std::byte buf[4];
  auto n = r.read_until(buf, soon());
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error(), errc::eof);
}

TEST(IoPipeTest, DestroyingTheReaderFailsWriters) {
  auto p = io::pipe();
  pipe_writer w = std::move(p.writer);
  p.reader = pipe_reader();  // move-assignment closes the old end
  EXPECT_EQ(w.write(as_bytes("x")).err, errc::closed_pipe);
}

TEST(IoPipeTest, MovedFromEndsBehaveAsClosed) {
  auto [r, w] = io::pipe();
  pipe_reader r2 = std::move(r);
  pipe_writer w2 = std::move(w);
  std::byte buf[4];
  auto n = r.read(buf);  // NOLINT(bugprone-use-after-move): the contract under test
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error(), errc::closed_pipe);
  EXPECT_EQ(w.write(as_bytes("x")).err, errc::closed_pipe);  // NOLINT
  // The moved-to ends still work.
  test::scoped_thread t([&] { (void)w2.write_until(as_bytes("ok"), soon()); });
  auto m = r2.read_until(buf, soon());
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, 2u);
}

TEST(IoPipeTest, EmptyReadReturnsZeroOrTheCloseError) {
  auto [r, w] = io::pipe();
  auto n = r.read(std::span<std::byte>());
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0u);
  w.close();
  n = r.read(std::span<std::byte>());
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error(), errc::eof);
}

TEST(IoPipeTest, ManyWritersManyBytesArriveWholeAndInOrderPerWriter) {
  auto [r, w] = io::pipe();
  constexpr int kWriters = 4;
  constexpr int kRecords = 500;
  constexpr std::size_t kRecordSize = 1000;
  std::vector<test::scoped_thread> writers;
  for (int id = 0; id < kWriters; ++id) {
    writers.emplace_back([&, id] {
      std::vector<std::byte> rec(kRecordSize);
      for (int i = 0; i < kRecords; ++i) {
        std::memset(rec.data(), 'a' + id, rec.size());
        std::memcpy(rec.data(), &i, sizeof i);
        io_result wr = w.write_until(rec, soon());
        if (wr.err) return;
      }
    });
  }
  std::vector<int> next(kWriters, 0);
  std::vector<std::byte> buf(kRecordSize);
  std::size_t bad = 0;
  for (int k = 0; k < kWriters * kRecords; ++k) {
    // Records are read whole with a buffer of exactly their size (writes never interleave).
    std::size_t got = 0;
    while (got < kRecordSize) {
      auto n = r.read_until(std::span(buf).subspan(got), soon());
      ASSERT_TRUE(n) << n.error().message();
      got += *n;
    }
    int id = static_cast<int>(buf.back()) - 'a';
    ASSERT_GE(id, 0);
    ASSERT_LT(id, kWriters);
    int seq;
    std::memcpy(&seq, buf.data(), sizeof seq);
    if (seq != next[id]) ++bad;
    next[id] = seq + 1;
    for (std::size_t j = sizeof seq; j < kRecordSize; ++j) {
      if (buf[j] != static_cast<std::byte>('a' + id)) {
        ++bad;
        break;
      }
    }
  }
  writers.clear();
  EXPECT_EQ(bad, 0u);
}

TEST(IoPipeTest, CloseFromAnotherThreadWakesABlockedRead) {
  auto [r, w] = io::pipe();
  test::scoped_thread t([&] {
    std::this_thread::sleep_for(20ms);
    w.close_with_error(std::make_error_code(std::errc::connection_aborted));
  });
  std::byte buf[4];
  auto n = r.read_until(buf, soon());
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error(), std::errc::connection_aborted);
}

}  // namespace
}  // namespace conduit::io
