// os::file and os::pipe: blocking semantics over the poll descriptor, deadlines, EPIPE
// instead of SIGPIPE, write_atomic, release, pipe buffer size, and read_from (splice).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <conduit/io/copy.hpp>
#include <conduit/os/file.hpp>
#include <csignal>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "support/support.hpp"

namespace conduit::os {
namespace {

using namespace std::chrono_literals;

pipe_pair make_pipe() {
  auto p = os::pipe();
  EXPECT_TRUE(p) << p.error().message();
  return std::move(*p);
}

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / test::unique_name(name);
}

TEST(FileTest, PipeEndsAreCloseOnExecNonBlockingPipes) {
  auto [r, w] = make_pipe();
  for (file* f : {&r, &w}) {
    EXPECT_NE(::fcntl(f->fd(), F_GETFD) & FD_CLOEXEC, 0);
    EXPECT_NE(::fcntl(f->fd(), F_GETFL) & O_NONBLOCK, 0);
    EXPECT_EQ(f->type(), file::kind::pipe);
    EXPECT_TRUE(f->pollable());
  }
}

TEST(FileTest, ReadReturnsWhatWasWrittenThenEofAfterClose) {
  auto [r, w] = make_pipe();
  io_result wr = w.write("hello");
  EXPECT_EQ(wr.n, 5u);
  EXPECT_FALSE(wr.err);
  ASSERT_TRUE(w.close());
  std::byte buf[16];
  auto n = r.read(buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(io::as_string(std::span(buf, *n)), "hello");
  auto e = r.read(buf);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error(), errc::eof);
}

TEST(FileTest, ReadBlocksUntilDataArrives) {
  auto [r, w] = make_pipe();
  ASSERT_TRUE(r.set_read_deadline(deadline::after(10s)));
  test::scoped_thread t([&] {
    std::this_thread::sleep_for(20ms);
    (void)w.write("late");
  });
  std::byte buf[8];
  auto n = r.read(buf);
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, 4u);
}

TEST(FileTest, WriteWithNoReaderReturnsEpipeAndTheProcessSurvives) {
  auto [r, w] = make_pipe();
  ASSERT_TRUE(r.close());
  io_result wr = w.write("x");
  EXPECT_EQ(wr.n, 0u);
  EXPECT_EQ(wr.err, std::errc::broken_pipe);
  // The policy installed a handler (not SIG_IGN, which children would inherit).
  struct sigaction sa {};
  ASSERT_EQ(::sigaction(SIGPIPE, nullptr, &sa), 0);
  EXPECT_NE(sa.sa_handler, SIG_DFL);
  EXPECT_NE(sa.sa_handler, SIG_IGN);
}

TEST(FileTest, WriteLargerThanThePipeBufferWritesEverything) {
  auto [r, w] = make_pipe();
  std::vector<std::byte> big(1 << 20, std::byte{0x42});
  std::size_t got = 0;
  bool ok = true;
  test::scoped_thread reader([&] {
    (void)r.set_read_deadline(deadline::after(30s));
    std::vector<std::byte> buf(10000);
    for (;;) {
      auto n = r.read(buf);
      if (!n) {
        ok = n.error() == errc::eof;
        return;
      }
      got += *n;
    }
  });
  ASSERT_TRUE(w.set_write_deadline(deadline::after(30s)));
  io_result wr = w.write(big);
  EXPECT_EQ(wr.n, big.size());
  EXPECT_FALSE(wr.err);
  ASSERT_TRUE(w.close());
  reader.join();
  EXPECT_TRUE(ok);
  EXPECT_EQ(got, big.size());
}

TEST(FileTest, ReadDeadlineFiresWithinSlack) {
  auto [r, w] = make_pipe();
  ASSERT_TRUE(r.set_read_deadline(deadline::after(30ms)));
  std::byte buf[8];
  auto start = clock::now();
  auto n = r.read(buf);
  auto took = clock::now() - start;
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error(), errc::timeout);
  EXPECT_GE(took, 30ms);
  EXPECT_LT(took, 30ms + test::kSlack);
}

TEST(FileTest, WriteDeadlineOnAFullPipeReportsWhatWentOut) {
  auto [r, w] = make_pipe();
  auto sz = w.buffer_size();
  ASSERT_TRUE(sz);
  std::vector<std::byte> big(*sz + 1000);
  ASSERT_TRUE(w.set_write_deadline(deadline::after(30ms)));
  io_result wr = w.write(big);
  EXPECT_EQ(wr.err, errc::timeout);
  EXPECT_EQ(wr.n, *sz);
}

TEST(FileTest, CloseFromAnotherThreadWakesABlockedRead) {
  auto [r, w] = make_pipe();
  ASSERT_TRUE(r.set_read_deadline(deadline::after(10s)));
  test::scoped_thread t([&] {
    std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(r.close());
  });
  std::byte buf[8];
  auto n = r.read(buf);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error(), errc::closed);
}

TEST(FileTest, WriteAtomicRefusesMoreThanPipeBufAndWritesNothing) {
  auto [r, w] = make_pipe();
  std::vector<std::byte> rec(pipe_buf + 1, std::byte{1});
  io_result wr = w.write_atomic(rec);
  EXPECT_EQ(wr.n, 0u);
  EXPECT_EQ(wr.err, errc::message_too_large);
  ASSERT_TRUE(r.set_read_deadline(deadline::past()));
  std::byte buf[8];
  auto n = r.read(buf);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error(), errc::timeout);  // nothing arrived
}

TEST(FileTest, WriteAtomicWritesAWholeRecord) {
  auto [r, w] = make_pipe();
  std::vector<std::byte> rec(pipe_buf, std::byte{7});
  io_result wr = w.write_atomic(rec);
  EXPECT_EQ(wr.n, pipe_buf);
  EXPECT_FALSE(wr.err);
  std::vector<std::byte> buf(2 * pipe_buf);
  auto n = r.read(buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, pipe_buf);
}

TEST(FileTest, WriteAtomicWaitsForRoomAndHonoursTheDeadline) {
  auto [r, w] = make_pipe();
  auto sz = w.buffer_size();
  ASSERT_TRUE(sz);
  std::vector<std::byte> fill(*sz - 10);
  ASSERT_FALSE(w.write(fill).err);
  ASSERT_TRUE(w.set_write_deadline(deadline::after(30ms)));
  std::byte rec[100] = {};
  io_result wr = w.write_atomic(rec);  // 10 bytes of room: all or nothing, so it waits
  EXPECT_EQ(wr.n, 0u);
  EXPECT_EQ(wr.err, errc::timeout);
}

TEST(FileTest, RegularFilesRefuseDeadlinesAndWriteAtomic) {
  auto path = temp_path("conduit_file");
  auto f = file::open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
  ASSERT_TRUE(f) << f.error().message();
  std::filesystem::remove(path);
  EXPECT_EQ(f->type(), file::kind::regular);
  EXPECT_FALSE(f->pollable());
  auto d = f->set_deadline(deadline::after(1s));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error(), std::errc::not_supported);
  EXPECT_EQ(f->write_atomic(io::as_bytes("x")).err, std::errc::not_supported);
  EXPECT_FALSE(f->write("contents").err);
  ASSERT_EQ(::lseek(f->fd(), 0, SEEK_SET), 0);
  std::byte buf[16];
  auto n = f->read(buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(io::as_string(std::span(buf, *n)), "contents");
}

TEST(FileTest, OpenReportsTheErrno) {
  auto f = file::open("/nonexistent/conduit/x", O_RDONLY);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error(), std::errc::no_such_file_or_directory);
}

TEST(FileTest, ClosedAndEmptyFilesReturnClosed) {
  file none;
  std::byte buf[4];
  EXPECT_EQ(none.read(buf).error(), errc::closed);
  EXPECT_EQ(none.write("x").err, errc::closed);
  EXPECT_EQ(none.close().error(), errc::closed);
  EXPECT_EQ(none.fd(), -1);
  auto [r, w] = make_pipe();
  ASSERT_TRUE(w.close());
  EXPECT_EQ(w.close().error(), errc::closed);
  EXPECT_EQ(w.write("x").err, errc::closed);
  EXPECT_FALSE(w.is_open());
}

TEST(FileTest, MoveAssignmentClosesTheOldFile) {
  auto a = make_pipe();
  auto b = make_pipe();
  a.writer = std::move(b.writer);  // a's old writer is closed: a.reader sees eof
  std::byte buf[4];
  ASSERT_TRUE(a.reader.set_read_deadline(deadline::after(10s)));
  EXPECT_EQ(a.reader.read(buf).error(), errc::eof);
  EXPECT_FALSE(b.writer.is_open());  // NOLINT(bugprone-use-after-move)
}

TEST(FileTest, ReleaseGivesABlockingFdAndClosesTheFile) {
  auto [r, w] = make_pipe();
  auto fd = w.release();
  ASSERT_TRUE(fd) << fd.error().message();
  EXPECT_FALSE(w.is_open());
  EXPECT_EQ(::fcntl(fd->get(), F_GETFL) & O_NONBLOCK, 0);
  EXPECT_NE(::fcntl(fd->get(), F_GETFD) & FD_CLOEXEC, 0);
  ASSERT_EQ(::write(fd->get(), "z", 1), 1);
  std::byte buf[4];
  auto n = r.read(buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(w.release().error(), errc::closed);
}

TEST(FileTest, SetBufferSizeChangesThePipeCapacity) {
  auto [r, w] = make_pipe();
  auto set = w.set_buffer_size(1 << 18);
  ASSERT_TRUE(set) << set.error().message();
  EXPECT_GE(*set, std::size_t{1} << 18);
  auto got = r.buffer_size();  // one pipe: both ends see it
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, *set);
}

TEST(FileTest, BufferSizeOfARegularFileIsEbadf) {
  auto path = temp_path("conduit_file");
  auto f = file::open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
  ASSERT_TRUE(f);
  std::filesystem::remove(path);
  EXPECT_EQ(f->buffer_size().error(), std::errc::bad_file_descriptor);
}

// A pipe -> pipe copy through io::copy, which uses file::read_from (splice).
TEST(FileTest, CopyBetweenPipesMovesEveryByteInOrder) {
  auto in = make_pipe();
  auto out = make_pipe();
  constexpr std::size_t kTotal = 3 << 20;
  ASSERT_TRUE(in.reader.set_read_deadline(deadline::after(30s)));
  ASSERT_TRUE(out.writer.set_write_deadline(deadline::after(30s)));
  test::scoped_thread producer([&] {
    (void)in.writer.set_write_deadline(deadline::after(30s));
    std::vector<std::byte> chunk(10000);
    std::size_t sent = 0;
    while (sent < kTotal) {
      std::size_t n = std::min(chunk.size(), kTotal - sent);
      for (std::size_t i = 0; i < n; ++i) chunk[i] = static_cast<std::byte>((sent + i) % 251);
      if (in.writer.write(std::span(chunk).first(n)).err) return;
      sent += n;
    }
    (void)in.writer.close();
  });
  std::size_t got = 0, bad = 0;
  test::scoped_thread consumer([&] {
    (void)out.reader.set_read_deadline(deadline::after(30s));
    std::vector<std::byte> buf(7777);
    for (;;) {
      auto n = out.reader.read(buf);
      if (!n) return;
      for (std::size_t i = 0; i < *n; ++i) {
        if (buf[i] != static_cast<std::byte>((got + i) % 251)) ++bad;
      }
      got += *n;
    }
  });
  io_result res = io::copy(out.writer, in.reader);
  EXPECT_EQ(res.n, kTotal);
  EXPECT_FALSE(res.err) << res.err.message();
  ASSERT_TRUE(out.writer.close());
  consumer.join();
  EXPECT_EQ(got, kTotal);
  EXPECT_EQ(bad, 0u);
}

// Socket to socket: both ends are spliceable, through the intermediate pipe.
TEST(FileTest, CopyBetweenSocketsMovesEveryByte) {
  int a[2], b[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a), 0);
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b), 0);
  file src_peer{unique_fd(a[0])}, src{unique_fd(a[1])};
  file dst{unique_fd(b[0])}, dst_peer{unique_fd(b[1])};
  EXPECT_EQ(src.type(), file::kind::socket);
  constexpr std::size_t kTotal = 1 << 20;
  ASSERT_TRUE(src.set_read_deadline(deadline::after(30s)));
  ASSERT_TRUE(dst.set_write_deadline(deadline::after(30s)));
  test::scoped_thread producer([&] {
    (void)src_peer.set_write_deadline(deadline::after(30s));
    std::vector<std::byte> chunk(kTotal, std::byte{0x61});
    (void)src_peer.write(chunk);
    (void)src_peer.close();
  });
  std::size_t got = 0;
  test::scoped_thread consumer([&] {
    (void)dst_peer.set_read_deadline(deadline::after(30s));
    std::vector<std::byte> buf(9000);
    for (;;) {
      auto n = dst_peer.read(buf);
      if (!n) return;
      got += *n;
    }
  });
  io_result res = io::copy(dst, src);
  EXPECT_EQ(res.n, kTotal);
  EXPECT_FALSE(res.err) << res.err.message();
  ASSERT_TRUE(dst.close());
  consumer.join();
  EXPECT_EQ(got, kTotal);
}

TEST(FileTest, CopyToAPipeWithNoReaderReturnsEpipe) {
  auto in = make_pipe();
  auto out = make_pipe();
  ASSERT_TRUE(out.reader.close());
  ASSERT_FALSE(in.writer.write("data").err);
  ASSERT_TRUE(in.writer.close());
  io_result res = io::copy(out.writer, in.reader);
  EXPECT_EQ(res.n, 0u);
  EXPECT_EQ(res.err, std::errc::broken_pipe);
}

TEST(FileTest, CopyHonoursTheSourcesReadDeadline) {
  auto in = make_pipe();
  auto out = make_pipe();
  ASSERT_TRUE(in.reader.set_read_deadline(deadline::after(30ms)));
  ASSERT_FALSE(in.writer.write("abc").err);
  io_result res = io::copy(out.writer, in.reader);
  EXPECT_EQ(res.n, 3u);
  EXPECT_EQ(res.err, errc::timeout);
}

TEST(FileTest, CopyFromARegularFileFallsBackToABuffer) {
  auto path = temp_path("conduit_copy");
  auto f = file::open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
  ASSERT_TRUE(f);
  std::filesystem::remove(path);
  ASSERT_FALSE(f->write("regular contents").err);
  ASSERT_EQ(::lseek(f->fd(), 0, SEEK_SET), 0);
  auto out = make_pipe();
  io_result res = io::copy(out.writer, *f);
  EXPECT_EQ(res.n, 16u);
  EXPECT_FALSE(res.err);
  std::byte buf[32];
  auto n = out.reader.read(buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(io::as_string(std::span(buf, *n)), "regular contents");
}

}  // namespace
}  // namespace conduit::os
