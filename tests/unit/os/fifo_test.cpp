// os::mkfifo and os::open_fifo: never replacing a path, refusing symlinks and non-FIFOs,
// waiting for the peer (either side first, blocking or non-blocking peers), deadlines.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <conduit/os/fifo.hpp>
#include <filesystem>
#include <string>
#include <thread>

#include "support/support.hpp"

namespace conduit::os {
namespace {

using namespace std::chrono_literals;

// A FIFO path in the temp directory, removed at the end of the test.
class temp_fifo {
 public:
  temp_fifo() : path_(std::filesystem::temp_directory_path() / test::unique_name("conduit_fifo")) {
    auto r = os::mkfifo(path_);
    EXPECT_TRUE(r) << r.error().message();
  }
  ~temp_fifo() { std::filesystem::remove(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

TEST(FifoTest, MkfifoCreatesAFifoWithTheMode) {
  temp_fifo f;
  struct stat st {};
  ASSERT_EQ(::lstat(f.path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(FifoTest, MkfifoNeverReplacesAnExistingPath) {
  temp_fifo f;
  auto again = os::mkfifo(f.path());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), std::errc::file_exists);
  auto reg = std::filesystem::temp_directory_path() / test::unique_name("conduit_reg");
  {
    auto created = file::open(reg, O_WRONLY | O_CREAT | O_EXCL, 0600);
    ASSERT_TRUE(created);
  }
  EXPECT_EQ(os::mkfifo(reg).error(), std::errc::file_exists);
  struct stat st {};
  ASSERT_EQ(::lstat(reg.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  std::filesystem::remove(reg);
}

TEST(FifoTest, OpenReadWithNoWriterTimesOutAtTheDeadline) {
  temp_fifo f;
  auto start = clock::now();
  auto r = os::open_fifo(f.path(), fifo_end::read, deadline::after(50ms));
  auto took = clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::timeout);
  EXPECT_GE(took, 50ms);
  EXPECT_LT(took, 50ms + test::kSlack);
}

TEST(FifoTest, OpenWriteWithNoReaderTimesOutAtTheDeadline) {
  temp_fifo f;
  auto start = clock::now();
  auto w = os::open_fifo(f.path(), fifo_end::write, deadline::after(50ms));
  auto took = clock::now() - start;
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error(), errc::timeout);
  EXPECT_GE(took, 50ms);
  EXPECT_LT(took, 50ms + test::kSlack);
}

TEST(FifoTest, PastDeadlineTriesOnce) {
  temp_fifo f;
  EXPECT_EQ(os::open_fifo(f.path(), fifo_end::read, deadline::past()).error(), errc::timeout);
  EXPECT_EQ(os::open_fifo(f.path(), fifo_end::write, deadline::past()).error(), errc::timeout);
}

TEST(FifoTest, WriterFirstWaitsForTheReader) {
  temp_fifo f;
  result<file> w = fail(errc::closed);
  test::scoped_thread t(
      [&] { w = os::open_fifo(f.path(), fifo_end::write, deadline::after(10s)); });
  std::this_thread::sleep_for(20ms);  // let the writer start waiting (either order passes)
  auto r = os::open_fifo(f.path(), fifo_end::read, deadline::after(10s));
  ASSERT_TRUE(r) << r.error().message();
  t.join();
  ASSERT_TRUE(w) << w.error().message();
  ASSERT_FALSE(w->write("ping").err);
  ASSERT_TRUE(r->set_read_deadline(deadline::after(10s)));
  std::byte buf[8];
  auto n = r->read(buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(io::as_string(std::span(buf, *n)), "ping");
  ASSERT_TRUE(w->close());
  EXPECT_EQ(r->read(buf).error(), errc::eof);
}

TEST(FifoTest, ReaderFirstWaitsForTheWriter) {
  temp_fifo f;
  result<file> r = fail(errc::closed);
  test::scoped_thread t([&] { r = os::open_fifo(f.path(), fifo_end::read, deadline::after(10s)); });
  std::this_thread::sleep_for(20ms);
  auto w = os::open_fifo(f.path(), fifo_end::write, deadline::after(10s));
  ASSERT_TRUE(w) << w.error().message();
  t.join();
  ASSERT_TRUE(r) << r.error().message();
  // The writer opened without writing: the reader waits for data, it does not see eof.
  ASSERT_TRUE(r->set_read_deadline(deadline::after(30ms)));
  std::byte buf[8];
  EXPECT_EQ(r->read(buf).error(), errc::timeout);
}

// A reader that uses a plain blocking open(2), as `cat fifo` does.
TEST(FifoTest, WriterWaitsForABlockingReader) {
  temp_fifo f;
  int reader_fd = -1;
  test::scoped_thread t([&] {
    std::this_thread::sleep_for(20ms);
    reader_fd = ::open(f.path().c_str(), O_RDONLY | O_CLOEXEC);  // blocks until a writer
  });
  auto w = os::open_fifo(f.path(), fifo_end::write, deadline::after(10s));
  if (!w) {
    // Release the blocking open whatever happened, so the test cannot hang.
    int rw = ::open(f.path().c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    t.join();
    ::close(rw);
  }
  t.join();
  ASSERT_TRUE(w) << w.error().message();
  ASSERT_GE(reader_fd, 0);
  ASSERT_FALSE(w->write("x").err);
  char c = 0;
  EXPECT_EQ(::read(reader_fd, &c, 1), 1);
  ::close(reader_fd);
}

// A writer that uses a plain blocking open(2), as `echo hi > fifo` does.
TEST(FifoTest, ReaderWaitsForABlockingWriter) {
  temp_fifo f;
  int writer_fd = -1;
  test::scoped_thread t([&] {
    std::this_thread::sleep_for(20ms);
    writer_fd = ::open(f.path().c_str(), O_WRONLY | O_CLOEXEC);  // blocks until a reader
  });
  auto r = os::open_fifo(f.path(), fifo_end::read, deadline::after(10s));
  if (!r) {
    int rw = ::open(f.path().c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    t.join();
    ::close(rw);
  }
  t.join();
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_GE(writer_fd, 0);
  ::close(writer_fd);
}

TEST(FifoTest, OpenRefusesASymlink) {
  temp_fifo f;
  auto link = std::filesystem::temp_directory_path() / test::unique_name("conduit_link");
  std::filesystem::create_symlink(f.path(), link);
  auto r = os::open_fifo(link, fifo_end::read, deadline::after(1s));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), std::errc::too_many_symbolic_link_levels);
  auto w = os::open_fifo(link, fifo_end::write, deadline::after(1s));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error(), std::errc::too_many_symbolic_link_levels);
  std::filesystem::remove(link);
}

TEST(FifoTest, OpenRefusesAFileThatIsNotAFifo) {
  auto reg = std::filesystem::temp_directory_path() / test::unique_name("conduit_reg");
  {
    auto created = file::open(reg, O_WRONLY | O_CREAT | O_EXCL, 0600);
    ASSERT_TRUE(created);
  }
  EXPECT_EQ(os::open_fifo(reg, fifo_end::read, deadline::after(1s)).error(),
            std::errc::invalid_argument);
  EXPECT_EQ(os::open_fifo(reg, fifo_end::write, deadline::after(1s)).error(),
            std::errc::invalid_argument);
  std::filesystem::remove(reg);
}

TEST(FifoTest, OpenAMissingPathFailsWithEnoent) {
  auto missing = std::filesystem::temp_directory_path() / test::unique_name("conduit_missing");
  EXPECT_EQ(os::open_fifo(missing, fifo_end::read, deadline::after(1s)).error(),
            std::errc::no_such_file_or_directory);
  EXPECT_EQ(os::open_fifo(missing, fifo_end::write, deadline::after(1s)).error(),
            std::errc::no_such_file_or_directory);
}

TEST(FifoTest, WriterGetsEpipeAfterTheReaderLeaves) {
  temp_fifo f;
  result<file> r = fail(errc::closed);
  test::scoped_thread t([&] { r = os::open_fifo(f.path(), fifo_end::read, deadline::after(10s)); });
  auto w = os::open_fifo(f.path(), fifo_end::write, deadline::after(10s));
  t.join();
  ASSERT_TRUE(w);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->close());
  EXPECT_EQ(w->write("x").err, std::errc::broken_pipe);
}

TEST(FifoTest, RecordsFromManyWritersArriveWhole) {
  temp_fifo f;
  auto r = os::open_fifo(f.path(), fifo_end::read, deadline::past());
  ASSERT_FALSE(r);  // no writer yet
  constexpr int kWriters = 4, kRecords = 200;
  constexpr std::size_t kSize = 1000;
  result<file> reader = fail(errc::closed);
  test::scoped_thread rt(
      [&] { reader = os::open_fifo(f.path(), fifo_end::read, deadline::after(10s)); });
  // Hold a write end too: otherwise the reader would see the end of stream whenever every
  // writer that opened so far has finished before the next one opens.
  auto keep = os::open_fifo(f.path(), fifo_end::write, deadline::after(10s));
  ASSERT_TRUE(keep) << keep.error().message();
  rt.join();
  ASSERT_TRUE(reader) << reader.error().message();
  std::vector<test::scoped_thread> writers;
  for (int id = 0; id < kWriters; ++id) {
    writers.emplace_back([&, id] {
      auto w = os::open_fifo(f.path(), fifo_end::write, deadline::after(10s));
      if (!w) return;
      (void)w->set_write_deadline(deadline::after(20s));
      std::vector<std::byte> rec(kSize, static_cast<std::byte>('A' + id));
      for (int i = 0; i < kRecords; ++i) {
        if (w->write_atomic(rec).err) return;
      }
    });
  }
  ASSERT_TRUE(reader->set_read_deadline(deadline::after(20s)));
  std::vector<std::byte> buf(kSize * kWriters * kRecords);
  std::size_t got = 0;
  for (;;) {
    auto n = reader->read(std::span(buf).subspan(got));
    if (!n) {
      EXPECT_EQ(n.error(), errc::eof);
      break;
    }
    got += *n;
    if (got == buf.size()) break;
  }
  writers.clear();
  ASSERT_EQ(got, buf.size());
  int counts[kWriters] = {};
  for (std::size_t off = 0; off < got; off += kSize) {
    auto first = buf[off];
    for (std::size_t i = 1; i < kSize; ++i) ASSERT_EQ(buf[off + i], first) << "record at " << off;
    ++counts[static_cast<int>(first) - 'A'];
  }
  for (int c : counts) EXPECT_EQ(c, kRecords);
}

}  // namespace
}  // namespace conduit::os
