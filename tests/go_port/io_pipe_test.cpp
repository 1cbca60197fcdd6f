// Behaviour ported from Go's io.Pipe tests: golang/go src/io/pipe_test.go (TestPipe1,
// TestPipe2, TestPipe3, TestPipeReadClose, TestPipeReadClose2, TestPipeWriteClose,
// TestPipeWriteClose2, TestWriteEmpty, TestWriteNil, TestWriteAfterWriterClose,
// TestPipeCloseError, TestPipeConcurrent). The code is conduit's own; where conduit's
// contract differs from Go's it says so (a zero-length write is not delivered as a
// zero-length read). Every blocking call is bounded by a deadline.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <conduit/io/io.hpp>
#include <conduit/io/pipe.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/support.hpp"

namespace conduit {
namespace {

using namespace std::chrono_literals;

deadline soon() { return deadline::after(10s); }

// Go's ErrShortWrite stands in as "some error given to CloseWithError".
std::error_code some_error() { return std::make_error_code(std::errc::io_error); }

// Reads with a deadline, as Go's r.Read but bounded.
result<std::size_t> read_some(io::pipe_reader& r, std::span<std::byte> buf) {
  return r.read_until(buf, soon());
}

// io.ReadFull over a bounded reader.
struct bounded_reader {
  io::pipe_reader* r;
  result<std::size_t> read(std::span<std::byte> buf) { return r->read_until(buf, soon()); }
};

TEST(GoIoPipeTest, Pipe1SingleReadWritePair) {
  auto [r, w] = io::pipe();
  io_result wr;
  test::scoped_thread t([&] { wr = w.write_until(io::as_bytes("hello, world"), soon()); });
  std::byte buf[64];
  auto n = read_some(r, buf);
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, 12u);
  EXPECT_EQ(io::as_string(std::span(buf, *n)), "hello, world");
  t.join();
  EXPECT_EQ(wr.n, 12u);
  EXPECT_FALSE(wr.err);
  r.close();
  w.close();
}

TEST(GoIoPipeTest, Pipe2SequenceOfReadWritePairs) {
  auto [r, w] = io::pipe();
  std::vector<std::size_t> got;
  std::error_code end;
  test::scoped_thread reader([&] {
    std::byte buf[64];
    for (;;) {
      auto n = read_some(r, buf);
      if (!n) {
        end = n.error();
        return;
      }
      got.push_back(*n);
    }
  });
  std::byte data[64] = {};
  for (std::size_t i = 0; i < 5; ++i) {
    auto p = std::span<const std::byte>(data, 5 + i * 10);
    io_result wr = w.write_until(p, soon());
    EXPECT_EQ(wr.n, p.size());
    EXPECT_FALSE(wr.err);
  }
  w.close();
  reader.join();
  // Each write is consumed by one read (the buffer is large enough), in order.
  EXPECT_EQ(got, (std::vector<std::size_t>{5, 15, 25, 35, 45}));
  EXPECT_EQ(end, errc::eof);
}

TEST(GoIoPipeTest, Pipe3LargeWriteNeedsManyReads) {
  auto [r, w] = io::pipe();
  std::byte wdat[128];
  for (int i = 0; i < 128; ++i) wdat[i] = static_cast<std::byte>(i);
  io_result wr;
  test::scoped_thread writer([&] {
    wr = w.write_until(wdat, soon());
    w.close();
  });
  std::byte rdat[1024];
  std::size_t tot = 0;
  for (std::size_t n = 1; n <= 256; n *= 2) {
    auto got = read_some(r, std::span(rdat + tot, n));
    if (n == 256) {
      // Only the last reads are short: 1 byte at n == 128, then the end of stream.
      ASSERT_FALSE(got);
      EXPECT_EQ(got.error(), errc::eof);
      break;
    }
    ASSERT_TRUE(got) << "read " << n << ": " << got.error().message();
    EXPECT_EQ(*got, n == 128 ? 1u : n);
    tot += *got;
  }
  writer.join();
  EXPECT_EQ(wr.n, 128u);
  EXPECT_FALSE(wr.err);
  ASSERT_EQ(tot, 128u);
  for (int i = 0; i < 128; ++i) EXPECT_EQ(rdat[i], static_cast<std::byte>(i));
}

// One row of Go's pipeTests: {async, err, closeWithError}.
struct close_case {
  bool async;
  bool with_error;     // CloseWithError rather than Close
  bool non_nil_error;  // CloseWithError(ErrShortWrite) rather than CloseWithError(nil)
};
const close_case kCloseCases[] = {
    {true, false, false},  {true, true, false},  {true, true, true},
    {false, false, false}, {false, true, false}, {false, true, true},
};

template <class End>
void delay_close(End& end, const close_case& c) {
  std::this_thread::sleep_for(1ms);  // as Go: makes the close likely to land during the call
  if (c.with_error) {
    end.close_with_error(c.non_nil_error ? some_error() : std::error_code());
  } else {
    end.close();
  }
}

TEST(GoIoPipeTest, PipeReadCloseReturnsWritersError) {
  for (const close_case& c : kCloseCases) {
    auto [r, w] = io::pipe();
    std::byte buf[64];
    result<std::size_t> n = std::size_t{0};
    if (c.async) {
      test::scoped_thread t([&] { delay_close(w, c); });
      n = read_some(r, buf);
    } else {
      delay_close(w, c);
      n = read_some(r, buf);
    }
    ASSERT_FALSE(n);
    std::error_code want = c.non_nil_error ? some_error() : make_error_code(errc::eof);
    EXPECT_EQ(n.error(), want) << "async=" << c.async << " with_error=" << c.with_error;
    r.close();
  }
}

TEST(GoIoPipeTest, PipeReadClose2CloseReadSideDuringRead) {
  auto [r, w] = io::pipe();
  test::scoped_thread t([&] { delay_close(r, close_case{}); });
  std::byte buf[64];
  auto n = read_some(r, buf);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error(), errc::closed_pipe);
}

TEST(GoIoPipeTest, PipeWriteCloseReturnsReadersError) {
  for (const close_case& c : kCloseCases) {
    auto [r, w] = io::pipe();
    io_result wr;
    if (c.async) {
      test::scoped_thread t([&] { delay_close(r, c); });
      wr = io::write_string(w, "hello, world");
    } else {
      delay_close(r, c);
      wr = io::write_string(w, "hello, world");
    }
    std::error_code want = c.non_nil_error ? some_error() : make_error_code(errc::closed_pipe);
    EXPECT_EQ(wr.err, want) << "async=" << c.async << " with_error=" << c.with_error;
    EXPECT_EQ(wr.n, 0u);
    w.close();
  }
}

TEST(GoIoPipeTest, PipeWriteClose2CloseWriteSideDuringWrite) {
  auto [r, w] = io::pipe();
  test::scoped_thread t([&] { delay_close(w, close_case{}); });
  std::byte buf[64] = {};
  io_result wr = w.write_until(buf, soon());
  EXPECT_EQ(wr.n, 0u);
  EXPECT_EQ(wr.err, errc::closed_pipe);
}

// Go delivers a zero-length write as a zero-length read; conduit's write completes at once
// (a read never returns 0 without an error). What both share: it does not block forever and
// the reader then sees the close.
TEST(GoIoPipeTest, WriteEmptyCompletesAndReaderSeesClose) {
  auto [r, w] = io::pipe();
  test::scoped_thread t([&] {
    io_result wr = w.write(std::span<const std::byte>());
    EXPECT_EQ(wr.n, 0u);
    EXPECT_FALSE(wr.err);
    w.close();
  });
  std::byte b[2];
  bounded_reader br{&r};
  io_result rr = io::read_full(br, b);
  EXPECT_EQ(rr.n, 0u);
  EXPECT_EQ(rr.err, errc::eof);
  r.close();
}

TEST(GoIoPipeTest, WriteNilCompletesAndReaderSeesClose) {
  auto [r, w] = io::pipe();
  test::scoped_thread t([&] {
    io_result wr = w.write(std::span<const std::byte>(static_cast<const std::byte*>(nullptr), 0));
    EXPECT_FALSE(wr.err);
    w.close();
  });
  std::byte b[2];
  bounded_reader br{&r};
  EXPECT_EQ(io::read_full(br, b).err, errc::eof);
  r.close();
}

TEST(GoIoPipeTest, WriteAfterWriterCloseFailsWithClosedPipe) {
  auto [r, w] = io::pipe();
  std::error_code first, second;
  test::scoped_thread t([&] {
    first = w.write_until(io::as_bytes("hello"), soon()).err;
    w.close();
    second = w.write_until(io::as_bytes("world"), soon()).err;
  });
  std::byte buf[100];
  bounded_reader br{&r};
  io_result rr = io::read_full(br, buf);
  EXPECT_EQ(rr.err, errc::unexpected_eof);
  EXPECT_EQ(io::as_string(std::span(buf, rr.n)), "hello");
  t.join();
  EXPECT_FALSE(first);
  EXPECT_EQ(second, errc::closed_pipe);
  r.close();
}

TEST(GoIoPipeTest, PipeCloseErrorFirstErrorWins) {
  std::error_code e1 = std::make_error_code(std::errc::io_error);
  std::error_code e2 = std::make_error_code(std::errc::broken_pipe);
  {
    auto [r, w] = io::pipe();
    r.close_with_error(e1);
    EXPECT_EQ(w.write(std::span<const std::byte>()).err, e1);
    r.close_with_error(e2);
    EXPECT_EQ(w.write(std::span<const std::byte>()).err, e1);
  }
  {
    auto [r, w] = io::pipe();
    w.close_with_error(e1);
    auto n = r.read(std::span<std::byte>());
    ASSERT_FALSE(n);
    EXPECT_EQ(n.error(), e1);
    w.close_with_error(e2);
    n = r.read(std::span<std::byte>());
    ASSERT_FALSE(n);
    EXPECT_EQ(n.error(), e1);
  }
}

constexpr std::string_view kInput = "0123456789abcdef";
constexpr int kCount = 8;
constexpr std::size_t kReadSize = 2;

TEST(GoIoPipeTest, PipeConcurrentWritesAreNeverInterleaved) {
  auto [r, w] = io::pipe();
  std::vector<test::scoped_thread> writers;
  std::atomic<int> bad{0};
  for (int i = 0; i < kCount; ++i) {
    writers.emplace_back([&] {
      std::this_thread::sleep_for(1ms);  // as Go: raises the odds of a race
      io_result wr = w.write_until(io::as_bytes(kInput), soon());
      if (wr.n != kInput.size() || wr.err) ++bad;
    });
  }
  std::string got(kCount * kInput.size(), '\0');
  for (std::size_t i = 0; i < got.size(); i += kReadSize) {
    auto n = read_some(r, std::as_writable_bytes(std::span(got.data() + i, kReadSize)));
    ASSERT_TRUE(n) << n.error().message();
    EXPECT_EQ(*n, kReadSize);
  }
  writers.clear();  // joins
  EXPECT_EQ(bad.load(), 0);
  std::string want;
  for (int i = 0; i < kCount; ++i) want += kInput;
  // Each write is gated whole: even read in pieces, every write appears contiguous.
  EXPECT_EQ(got, want);
}

TEST(GoIoPipeTest, PipeConcurrentReadsEachTakeADistinctPiece) {
  auto [r, w] = io::pipe();
  constexpr std::size_t kReaders = kCount * kInput.size() / kReadSize;
  std::vector<std::string> pieces(kReaders);
  std::atomic<int> bad{0};
  std::vector<test::scoped_thread> readers;
  for (std::size_t i = 0; i < kReaders; ++i) {
    readers.emplace_back([&, i] {
      std::this_thread::sleep_for(1ms);
      std::string buf(kReadSize, '\0');
      auto n = r.read_until(std::as_writable_bytes(std::span(buf.data(), buf.size())), soon());
      if (!n || *n != kReadSize) ++bad;
      pieces[i] = buf;
    });
  }
  for (int i = 0; i < kCount; ++i) {
    io_result wr = w.write_until(io::as_bytes(kInput), soon());
    EXPECT_EQ(wr.n, kInput.size());
    EXPECT_FALSE(wr.err);
  }
  readers.clear();
  EXPECT_EQ(bad.load(), 0);
  // Reads are independent: the output is a permutation of the input in kReadSize groups.
  std::vector<std::string> want;
  for (int i = 0; i < kCount; ++i) {
    for (std::size_t j = 0; j < kInput.size(); j += kReadSize) {
      want.emplace_back(kInput.substr(j, kReadSize));
    }
  }
  std::sort(pieces.begin(), pieces.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(pieces, want);
}

}  // namespace
}  // namespace conduit
