// The io concepts and helpers: read_full, read_at_least, limit_reader, multi_writer,
// write_string, reader_ref / writer_ref.
#include <gtest/gtest.h>

#include <algorithm>
#include <conduit/io/io.hpp>
#include <conduit/io/pipe.hpp>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace conduit::io {
namespace {

// A reader over a string that hands out at most `chunk` bytes per read, then an error.
struct string_reader {
  std::string data;
  std::size_t chunk = 3;
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
  std::size_t fail_after = SIZE_MAX;
  io_result write(std::span<const std::byte> buf) {
    std::size_t n = std::min(buf.size(), fail_after - std::min(fail_after, data.size()));
    data.append(as_string(buf.first(n)));
    if (n < buf.size()) return {n, std::make_error_code(std::errc::no_space_on_device)};
    return {n, {}};
  }
};

static_assert(reader<string_reader>);
static_assert(writer<string_writer>);
static_assert(reader<pipe_reader>);
static_assert(writer<pipe_writer>);
static_assert(!reader<string_writer>);
static_assert(!writer<string_reader>);
static_assert(reader<limited_reader<string_reader>>);
static_assert(writer<multi_writer>);
static_assert(reader<reader_ref>);
static_assert(writer<writer_ref>);

TEST(IoTest, ReadFullLoopsOverShortReads) {
  string_reader r{"hello, world"};
  std::byte buf[12];
  io_result res = read_full(r, buf);
  EXPECT_EQ(res.n, 12u);
  EXPECT_FALSE(res.err);
  EXPECT_EQ(as_string(buf), "hello, world");
}

TEST(IoTest, ReadFullReportsEofWhenNothingArrived) {
  string_reader r{""};
  std::byte buf[4];
  io_result res = read_full(r, buf);
  EXPECT_EQ(res.n, 0u);
  EXPECT_EQ(res.err, errc::eof);
}

TEST(IoTest, ReadFullReportsUnexpectedEofAfterSomeBytes) {
  string_reader r{"abcde"};
  std::byte buf[8];
  io_result res = read_full(r, buf);
  EXPECT_EQ(res.n, 5u);
  EXPECT_EQ(res.err, errc::unexpected_eof);
}

TEST(IoTest, ReadFullPassesOtherErrorsWithTheCount) {
  string_reader r{"abcd", 3, std::make_error_code(std::errc::connection_reset)};
  std::byte buf[8];
  io_result res = read_full(r, buf);
  EXPECT_EQ(res.n, 4u);
  EXPECT_EQ(res.err, std::errc::connection_reset);
}

TEST(IoTest, ReadAtLeastStopsOnceMinIsReached) {
  string_reader r{"0123456789", 4};
  std::byte buf[10];
  io_result res = read_at_least(r, buf, 5);
  EXPECT_EQ(res.n, 8u);  // two reads of 4
  EXPECT_FALSE(res.err);
}

TEST(IoTest, ReadAtLeastRejectsAShortBuffer) {
  string_reader r{"0123456789"};
  std::byte buf[4];
  io_result res = read_at_least(r, buf, 5);
  EXPECT_EQ(res.n, 0u);
  EXPECT_EQ(res.err, std::errc::invalid_argument);
  EXPECT_EQ(r.pos, 0u);
}

TEST(IoTest, ReadAtLeastZeroReadsNothing) {
  string_reader r{"x"};
  std::byte buf[4];
  io_result res = read_at_least(r, buf, 0);
  EXPECT_EQ(res.n, 0u);
  EXPECT_FALSE(res.err);
}

TEST(IoTest, LimitReaderStopsAtTheLimit) {
  string_reader r{"0123456789", 100};
  auto lim = limit_reader(r, 4);
  std::byte buf[16];
  auto n = lim.read(buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 4u);
  EXPECT_EQ(lim.remaining(), 0u);
  auto e = lim.read(buf);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error(), errc::eof);
  EXPECT_EQ(r.pos, 4u);  // nothing more was taken from the underlying reader
}

TEST(IoTest, LimitReaderPassesTheUnderlyingEof) {
  string_reader r{"ab", 100};
  auto lim = limit_reader(r, 10);
  std::byte buf[16];
  EXPECT_EQ(*lim.read(buf), 2u);
  EXPECT_EQ(lim.read(buf).error(), errc::eof);
  EXPECT_EQ(lim.remaining(), 8u);
}

TEST(IoTest, MultiWriterDuplicatesEveryWrite) {
  string_writer a, b, c;
  multi_writer m(a, b, c);
  io_result res = m.write("hello");
  EXPECT_EQ(res.n, 5u);
  EXPECT_FALSE(res.err);
  EXPECT_EQ(a.data, "hello");
  EXPECT_EQ(b.data, "hello");
  EXPECT_EQ(c.data, "hello");
}

TEST(IoTest, MultiWriterStopsAtTheFirstError) {
  string_writer a, b, c;
  b.fail_after = 2;
  multi_writer m(std::vector<writer_ref>{a, b, c});
  io_result res = m.write("hello");
  EXPECT_EQ(res.n, 2u);
  EXPECT_EQ(res.err, std::errc::no_space_on_device);
  EXPECT_EQ(a.data, "hello");
  EXPECT_EQ(b.data, "he");
  EXPECT_EQ(c.data, "");
}

TEST(IoTest, WriteStringWritesTheBytes) {
  string_writer w;
  io_result res = write_string(w, "abc");
  EXPECT_EQ(res.n, 3u);
  EXPECT_EQ(w.data, "abc");
}

TEST(IoTest, RefsForwardToTheReferencedObjects) {
  string_reader r{"xyz", 10};
  string_writer w;
  reader_ref rr = r;
  writer_ref wr = w;
  std::byte buf[8];
  auto n = rr.read(buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(wr.write(std::span<const std::byte>(buf, *n)).n, 3u);
  EXPECT_EQ(w.data, "xyz");
}

}  // namespace
}  // namespace conduit::io
