// io::copy, copy_buffer and copy_n over plain readers and writers (the splice(2) path of
// os::file is tested in tests/unit/os/file_test.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <conduit/io/copy.hpp>
#include <conduit/io/pipe.hpp>
#include <cstdint>
#include <cstring>
#include <string>

#include "support/support.hpp"

namespace conduit::io {
namespace {

using namespace std::chrono_literals;

struct string_reader {
  std::string data;
  std::size_t chunk = 7;
  std::error_code end = make_error_code(errc::eof);
  std::size_t pos = 0;
  result<std::size_t> read(std::span<std::byte> buf) {
    if (buf.empty()) return std::size_t{0};
    if (pos == data.size()) return fail(end);
    std::size_t n = std::min({buf.size(), chunk, data.size() - pos});
    std::memcpy(buf.data(), data.data() + pos, n);
    pos += n;
    return n;
  }
};

struct string_writer {
  std::string data;
  io_result write(std::span<const std::byte> buf) {
    data.append(as_string(buf));
    return {buf.size(), {}};
  }
};

// A writer with Go's ReaderFrom: copy must use it.
struct reader_from_writer {
  string_writer inner;
  int calls = 0;
  io_result write(std::span<const std::byte> buf) { return inner.write(buf); }
  io_result read_from(string_reader& r) {
    ++calls;
    return copy_buffer(inner, r, {});
  }
};

// A reader with Go's WriterTo: copy must use it.
struct writer_to_reader {
  string_reader inner;
  int calls = 0;
  result<std::size_t> read(std::span<std::byte> buf) { return inner.read(buf); }
  io_result write_to(string_writer& w) {
    ++calls;
    return copy_buffer(w, inner, {});
  }
};

TEST(IoCopyTest, CopiesUntilEofAndReportsNoError) {
  std::string big(100000, 'q');
  string_reader r{big};
  string_writer w;
  io_result res = copy(w, r);
  EXPECT_EQ(res.n, big.size());
  EXPECT_FALSE(res.err);
  EXPECT_EQ(w.data, big);
}

TEST(IoCopyTest, PassesAReadErrorWithTheCount) {
  string_reader r{"abcdefghij", 4, std::make_error_code(std::errc::connection_reset)};
  string_writer w;
  io_result res = copy(w, r);
  EXPECT_EQ(res.n, 10u);
  EXPECT_EQ(res.err, std::errc::connection_reset);
}

TEST(IoCopyTest, UsesReadFromWhenTheWriterHasIt) {
  string_reader r{"hello"};
  reader_from_writer w;
  io_result res = copy(w, r);
  EXPECT_EQ(res.n, 5u);
  EXPECT_EQ(w.calls, 1);
  EXPECT_EQ(w.inner.data, "hello");
}

TEST(IoCopyTest, UsesWriteToWhenTheReaderHasIt) {
  writer_to_reader r{{"hello"}};
  string_writer w;
  io_result res = copy(w, r);
  EXPECT_EQ(res.n, 5u);
  EXPECT_EQ(r.calls, 1);
  EXPECT_EQ(w.data, "hello");
}

TEST(IoCopyTest, CopyBufferUsesTheGivenBuffer) {
  string_reader r{"0123456789", 100};
  string_writer w;
  std::byte buf[3];
  io_result res = copy_buffer(w, r, buf);
  EXPECT_EQ(res.n, 10u);
  EXPECT_EQ(w.data, "0123456789");
}

TEST(IoCopyTest, CopyNCopiesExactlyN) {
  string_reader r{"0123456789"};
  string_writer w;
  io_result res = copy_n(w, r, 4);
  EXPECT_EQ(res.n, 4u);
  EXPECT_FALSE(res.err);
  EXPECT_EQ(w.data, "0123");
}

TEST(IoCopyTest, CopyNReportsEofWhenTheSourceIsShort) {
  string_reader r{"01"};
  string_writer w;
  io_result res = copy_n(w, r, 4);
  EXPECT_EQ(res.n, 2u);
  EXPECT_EQ(res.err, errc::eof);
}

TEST(IoCopyTest, CopiesBetweenIoPipes) {
  auto [r1, w1] = io::pipe();
  string_writer out;
  test::scoped_thread t([&] {
    for (int i = 0; i < 10; ++i) (void)w1.write_until(as_bytes("chunk "), deadline::after(10s));
    w1.close();
  });
  io_result res = copy(out, r1);
  EXPECT_FALSE(res.err);
  EXPECT_EQ(res.n, 60u);
}

}  // namespace
}  // namespace conduit::io
