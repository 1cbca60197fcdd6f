#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <conduit/ipc/ipc_error.hpp>
#include <conduit/ipc/shm_ring.hpp>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "ipc/ring_layout.hpp"
#include "support/child.hpp"
#include "support/support.hpp"

namespace conduit::ipc {
namespace {

using namespace std::chrono_literals;

std::string test_name() { return "/" + test::unique_name("conduit_test"); }

struct name_guard {
  std::string name;
  ~name_guard() { (void)shm_ring::unlink(name); }
};

std::byte pattern(std::uint64_t i) { return static_cast<std::byte>((i * 131 + 7) & 0xff); }

std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s)); }

// Child: writes arg's byte count (after the name: "name count") of pattern into a stream
// ring, then closes. Exit 0 on success.
int child_stream_writer(std::string_view arg) {
  auto sp = arg.find(' ');
  std::string name(arg.substr(0, sp));
  std::size_t count = std::stoul(std::string(arg.substr(sp + 1)));
  auto ring = shm_ring::open(name, deadline::after(10s));
  if (!ring) return 2;
  auto w = shm_stream_writer::attach(*ring);
  if (!w) return 3;
  std::vector<std::byte> chunk(1000);
  std::size_t done = 0;
  while (done < count) {
    std::size_t n = std::min(chunk.size(), count - done);
    for (std::size_t i = 0; i < n; ++i) chunk[i] = pattern(done + i);
    auto r = w->write(std::span(chunk.data(), n), deadline::after(20s));
    if (r.err) return 4;
    done += n;
  }
  return w->close() ? 0 : 5;
}
const bool reg_stream_writer = test::register_child("ring_stream_writer", child_stream_writer);

// Child: opens the anonymous ring at path arg (/proc/<pid>/fd/<n>) and sends 3 messages.
const bool reg_fd_sender = test::register_child("ring_fd_sender", [](std::string_view arg) {
  unique_fd fd(::open(std::string(arg).c_str(), O_RDWR | O_CLOEXEC));
  if (!fd) return 2;
  auto mem = shared_memory::from_fd(std::move(fd));
  if (!mem) return 3;
  auto ring = shm_ring::open(std::move(*mem));
  if (!ring) return 4;
  auto s = shm_message_sender::attach(*ring);
  if (!s) return 5;
  for (std::string_view m : {"one", "two", "three"}) {
    if (!s->send(bytes(m), deadline::after(20s))) return 6;
  }
  return s->close() ? 0 : 7;
});

TEST(ShmRingTest, CreateRoundsTheCapacityUpAndUsesMode0600) {
  name_guard g{test_name()};
  auto r = shm_ring::create(g.name, ring_kind::message, 5000);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->capacity(), 8192u);
  EXPECT_EQ(r->kind(), ring_kind::message);
  EXPECT_EQ(r->max_message(), 8192u - 8);
  struct stat st {};
  ASSERT_EQ(::fstat(r->memory().fd(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(static_cast<std::size_t>(st.st_size), shm_ring::control_size + 8192);

  auto small = shm_ring::create(test_name(), ring_kind::stream, 1);
  ASSERT_TRUE(small);
  EXPECT_EQ(small->capacity(), shm_ring::min_capacity);
  (void)shm_ring::unlink(small->memory().name());
  EXPECT_EQ(shm_ring::create(test_name(), ring_kind::stream, shm_ring::max_capacity + 1).error(),
            std::errc::invalid_argument);
  EXPECT_EQ(shm_ring::create(g.name, ring_kind::stream, 4096).error(), std::errc::file_exists);

  auto o = shm_ring::open(g.name, deadline::after(1s));
  ASSERT_TRUE(o);
  EXPECT_EQ(o->capacity(), 8192u);
  EXPECT_EQ(o->kind(), ring_kind::message);
}

TEST(ShmRingTest, OpenRefusesWhatIsNotARing) {
  name_guard g{test_name()};
  auto mem = shared_memory::create(g.name, 8192);
  ASSERT_TRUE(mem);
  // Never laid out: open waits for the magic until its deadline.
  auto start = clock::now();
  EXPECT_EQ(shm_ring::open(g.name, deadline::after(50ms)).error(), errc::timeout);
  EXPECT_GE(clock::now() - start, 50ms);
  // A wrong magic, a wrong geometry.
  auto* c = reinterpret_cast<std::atomic<std::uint32_t>*>(mem->data().data());
  c->store(0x12345678);
  EXPECT_EQ(shm_ring::open(g.name, deadline::after(1s)).error(), errc::corrupt);
  c->store(detail::kRingMagic);
  EXPECT_EQ(shm_ring::open(g.name, deadline::after(1s)).error(), errc::corrupt);  // version 0
  EXPECT_EQ(shm_ring::open(test_name(), deadline::after(1s)).error(),
            std::errc::no_such_file_or_directory);
  shm_ring none;
  EXPECT_FALSE(none.valid());
  EXPECT_EQ(shm_stream_reader::attach(none).error(), errc::closed);
}

TEST(ShmRingTest, EachRoleIsTakenOnceAndKindsAreChecked) {
  auto mem = shared_memory::anonymous(0);
  ASSERT_TRUE(mem);
  auto ring = shm_ring::create(std::move(*mem), ring_kind::stream, 4096);
  ASSERT_TRUE(ring) << ring.error().message();
  auto w = shm_stream_writer::attach(*ring);
  ASSERT_TRUE(w);
  EXPECT_EQ(shm_stream_writer::attach(*ring).error(), std::errc::device_or_resource_busy);
  auto r = shm_stream_reader::attach(*ring);
  ASSERT_TRUE(r);
  EXPECT_EQ(shm_stream_reader::attach(*ring).error(), std::errc::device_or_resource_busy);
  EXPECT_EQ(shm_message_sender::attach(*ring).error(), std::errc::invalid_argument);
  EXPECT_EQ(shm_message_receiver::attach(*ring).error(), std::errc::invalid_argument);
}

TEST(ShmRingTest, StreamBytesArriveInOrderAcrossWrapAround) {
  auto ring = shm_ring::create(*shared_memory::anonymous(0), ring_kind::stream, 4096);
  ASSERT_TRUE(ring);
  auto w = shm_stream_writer::attach(*ring);
  auto r = shm_stream_reader::attach(*ring);
  ASSERT_TRUE(w && r);
  constexpr std::size_t kTotal = 200'000;
  test::scoped_thread writer([&] {
    std::vector<std::byte> chunk(777);
    std::size_t done = 0;
    while (done < kTotal) {
      std::size_t n = std::min(chunk.size(), kTotal - done);
      for (std::size_t i = 0; i < n; ++i) chunk[i] = pattern(done + i);
      auto res = w->write(std::span(chunk.data(), n), deadline::after(20s));
      ASSERT_FALSE(res.err) << res.err.message();
      ASSERT_EQ(res.n, n);
      done += n;
    }
    ASSERT_TRUE(w->close());
  });
  std::vector<std::byte> buf(1000);
  std::size_t got = 0;
  for (;;) {
    auto n = r->read(buf, deadline::after(20s));
    if (!n) {
      EXPECT_EQ(n.error(), errc::eof);
      break;
    }
    ASSERT_GT(*n, 0u);
    for (std::size_t i = 0; i < *n; ++i) ASSERT_EQ(buf[i], pattern(got + i)) << got + i;
    got += *n;
  }
  EXPECT_EQ(got, kTotal);
  EXPECT_EQ(r->read(buf, deadline::after(1s)).error(), errc::eof);  // stays at eof
}

TEST(ShmRingTest, StreamWriterGetsClosedPipeOnceTheReaderCloses) {
  auto ring = shm_ring::create(*shared_memory::anonymous(0), ring_kind::stream, 4096);
  auto w = shm_stream_writer::attach(*ring);
  auto r = shm_stream_reader::attach(*ring);
  ASSERT_TRUE(w && r);
  ASSERT_FALSE(w->write(bytes("abc"), deadline::after(1s)).err);
  ASSERT_TRUE(r->close());
  auto res = w->write(bytes("def"), deadline::after(1s));
  EXPECT_EQ(res.err, errc::closed_pipe);
  EXPECT_EQ(res.n, 0u);
  std::byte buf[8];
  EXPECT_EQ(r->read(buf).error(), errc::closed);
  EXPECT_EQ(r->close().error(), errc::closed);
}

TEST(ShmRingTest, StreamDeadlinesAndTryForms) {
  auto ring = shm_ring::create(*shared_memory::anonymous(0), ring_kind::stream, 4096);
  auto w = shm_stream_writer::attach(*ring);
  auto r = shm_stream_reader::attach(*ring);
  ASSERT_TRUE(w && r);
  std::byte buf[64];
  EXPECT_EQ(r->try_read(buf).error(), errc::would_block);
  auto start = clock::now();
  EXPECT_EQ(r->read(buf, deadline::after(50ms)).error(), errc::timeout);
  EXPECT_GE(clock::now() - start, 50ms);
  EXPECT_LT(clock::now() - start, 50ms + test::kSlack);

  std::vector<std::byte> big(5000, std::byte{1});
  auto t = w->try_write(big);
  EXPECT_EQ(t.n, 4096u);
  EXPECT_EQ(t.err, errc::would_block);
  start = clock::now();
  auto res = w->write(big, deadline::after(50ms));
  EXPECT_EQ(res.n, 0u);
  EXPECT_EQ(res.err, errc::timeout);
  EXPECT_GE(clock::now() - start, 50ms);
  auto n = r->try_read(buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 64u);
  EXPECT_EQ(r->read({}).value(), 0u);
}

TEST(ShmRingTest, CloseWakesAPendingReadWithClosed) {
  auto ring = shm_ring::create(*shared_memory::anonymous(0), ring_kind::stream, 4096);
  auto w = shm_stream_writer::attach(*ring);
  auto r = shm_stream_reader::attach(*ring);
  ASSERT_TRUE(w && r);
  std::error_code got;
  std::atomic<bool> started{false};
  test::scoped_thread t([&] {
    std::byte buf[8];
    started = true;
    auto n = r->read(buf, deadline::after(20s));
    got = n ? std::error_code() : n.error();
  });
  while (!started) std::this_thread::yield();
  std::this_thread::sleep_for(20ms);  // let it sleep; the outcome is the same if it has not
  auto start = clock::now();
  ASSERT_TRUE(r->close());
  t.join();
  EXPECT_EQ(got, errc::closed);
  EXPECT_LT(clock::now() - start, test::kSlack);
  // The writer sees the reader gone.
  EXPECT_EQ(w->write(bytes("x"), deadline::after(1s)).err, errc::closed_pipe);
}

TEST(ShmRingTest, MessagesArriveWholeInOrderOfAnySize) {
  auto ring = shm_ring::create(*shared_memory::anonymous(0), ring_kind::message, 4096);
  ASSERT_TRUE(ring);
  auto s = shm_message_sender::attach(*ring);
  auto r = shm_message_receiver::attach(*ring);
  ASSERT_TRUE(s && r);
  EXPECT_EQ(s->max_message(), 4088u);
  EXPECT_EQ(r->max_message(), 4088u);
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < 300; ++i) sizes.push_back((i * 37) % 1200);
  sizes.push_back(0);
  sizes.push_back(4088);
  test::scoped_thread sender([&] {
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      std::vector<std::byte> m(sizes[i]);
      for (std::size_t k = 0; k < m.size(); ++k) m[k] = pattern(i + k);
      ASSERT_TRUE(s->send(m, deadline::after(20s)));
    }
    ASSERT_TRUE(s->close());
  });
  std::vector<std::byte> buf(4096);
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    auto n = r->receive(buf, deadline::after(20s));
    ASSERT_TRUE(n) << i << ": " << n.error().message();
    ASSERT_EQ(*n, sizes[i]);
    for (std::size_t k = 0; k < *n; ++k) ASSERT_EQ(buf[k], pattern(i + k));
  }
  EXPECT_EQ(r->receive(buf, deadline::after(5s)).error(), errc::eof);
}

TEST(ShmRingTest, MessageLimitsAndTooSmallABuffer) {
  auto ring = shm_ring::create(*shared_memory::anonymous(0), ring_kind::message, 4096);
  auto s = shm_message_sender::attach(*ring);
  auto r = shm_message_receiver::attach(*ring);
  ASSERT_TRUE(s && r);
  std::vector<std::byte> big(4089);
  EXPECT_EQ(s->send(big).error(), errc::message_too_large);
  EXPECT_EQ(r->next_size().error(), errc::would_block);
  ASSERT_TRUE(s->send(bytes("hello world")));
  EXPECT_EQ(r->next_size().value(), 11u);
  std::byte small[4];
  EXPECT_EQ(r->receive(small).error(), ipc_errc::buffer_too_small);
  EXPECT_EQ(r->try_receive(small).error(), ipc_errc::buffer_too_small);
  std::byte buf[16];
  EXPECT_EQ(r->receive(buf).value(), 11u);
  EXPECT_EQ(std::memcmp(buf, "hello world", 11), 0);
  EXPECT_EQ(r->try_receive(buf).error(), errc::would_block);
  // Full: try_send says would_block; send waits until its deadline.
  std::vector<std::byte> m(1000);
  int sent = 0;
  while (s->try_send(m)) ++sent;
  EXPECT_EQ(sent, 4);  // 4 x 1008 bytes in 4096
  EXPECT_EQ(s->try_send(m).error(), errc::would_block);
  EXPECT_EQ(s->send(m, deadline::after(30ms)).error(), errc::timeout);
  ASSERT_TRUE(r->close());
  EXPECT_EQ(s->send(m, deadline::after(1s)).error(), errc::closed_pipe);
}

TEST(ShmRingTest, SeveralSendersKeepTheirOwnOrder) {
  auto ring = shm_ring::create(*shared_memory::anonymous(0), ring_kind::message, 8192);
  ASSERT_TRUE(ring);
  auto r = shm_message_receiver::attach(*ring);
  ASSERT_TRUE(r);
  constexpr int kSenders = 3, kEach = 2000;
  std::vector<shm_message_sender> senders;
  for (int i = 0; i < kSenders; ++i) senders.push_back(*shm_message_sender::attach(*ring));
  std::vector<test::scoped_thread> ts;
  for (int i = 0; i < kSenders; ++i) {
    ts.emplace_back([&, i] {
      for (int k = 0; k < kEach; ++k) {
        std::uint32_t rec[3] = {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(k),
                                static_cast<std::uint32_t>(i * 7919 + k)};
        std::size_t len = sizeof(std::uint32_t) * (1 + k % 3);
        ASSERT_TRUE(
            senders[i].send(std::as_bytes(std::span(rec)).first(len), deadline::after(20s)));
      }
      ASSERT_TRUE(senders[i].close());
    });
  }
  std::vector<int> next(kSenders, 0);
  std::uint32_t rec[3];
  int total = 0;
  for (;;) {
    auto n = r->receive(std::as_writable_bytes(std::span(rec)), deadline::after(20s));
    if (!n) {
      EXPECT_EQ(n.error(), errc::eof);
      break;
    }
    ASSERT_LT(rec[0], static_cast<std::uint32_t>(kSenders));
    int k = next[rec[0]]++;
    ASSERT_EQ(*n, sizeof(std::uint32_t) * (1 + k % 3));
    if (*n >= 2 * sizeof(std::uint32_t)) {
      ASSERT_EQ(rec[1], static_cast<std::uint32_t>(k));
    }
    if (*n == sizeof rec) {
      ASSERT_EQ(rec[2], rec[0] * 7919 + rec[1]);
    }
    ++total;
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(total, kSenders * kEach);
}

TEST(ShmRingTest, AnotherProcessStreamsIntoTheRing) {
  name_guard g{test_name()};
  auto ring = shm_ring::create(g.name, ring_kind::stream, 4096);
  ASSERT_TRUE(ring);
  auto r = shm_stream_reader::attach(*ring);
  ASSERT_TRUE(r);
  constexpr std::size_t kTotal = 100'000;
  auto c = test::child_process::spawn("ring_stream_writer", g.name + " " + std::to_string(kTotal));
  ASSERT_TRUE(c.valid());
  std::vector<std::byte> buf(3000);
  std::size_t got = 0;
  for (;;) {
    auto n = r->read(buf, deadline::after(20s));
    if (!n) {
      EXPECT_EQ(n.error(), errc::eof) << n.error().message();
      break;
    }
    for (std::size_t i = 0; i < *n; ++i) ASSERT_EQ(buf[i], pattern(got + i));
    got += *n;
  }
  EXPECT_EQ(got, kTotal);
  EXPECT_EQ(c.wait(deadline::after(20s)), 0);
}

TEST(ShmRingTest, AnAnonymousRingIsSharedThroughItsFd) {
  auto mem = shared_memory::anonymous(0, "ring");
  ASSERT_TRUE(mem);
  auto ring = shm_ring::create(std::move(*mem), ring_kind::message, 4096);
  ASSERT_TRUE(ring);
  ASSERT_TRUE(const_cast<shared_memory&>(ring->memory()).add_seals(F_SEAL_SHRINK | F_SEAL_GROW));
  auto r = shm_message_receiver::attach(*ring);
  ASSERT_TRUE(r);
  std::string path =
      "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(ring->memory().fd());
  auto c = test::child_process::spawn("ring_fd_sender", path);
  ASSERT_TRUE(c.valid());
  std::byte buf[64];
  for (std::string_view want : {"one", "two", "three"}) {
    auto n = r->receive(buf, deadline::after(20s));
    ASSERT_TRUE(n) << n.error().message();
    EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(buf), *n), want);
  }
  EXPECT_EQ(r->receive(buf, deadline::after(20s)).error(), errc::eof);
  EXPECT_EQ(c.wait(deadline::after(20s)), 0);
}

TEST(ShmRingTest, MovedEndsKeepWorkingAndDestructionCloses) {
  auto ring = shm_ring::create(*shared_memory::anonymous(0), ring_kind::stream, 4096);
  auto w = shm_stream_writer::attach(*ring);
  auto r = shm_stream_reader::attach(*ring);
  ASSERT_TRUE(w && r);
  shm_stream_writer w2 = std::move(*w);
  ASSERT_FALSE(w2.write(bytes("ab")).err);
  { shm_stream_writer gone = std::move(w2); }  // destroyed: closed
  std::byte buf[8];
  EXPECT_EQ(r->read(buf, deadline::after(1s)).value(), 2u);
  EXPECT_EQ(r->read(buf, deadline::after(1s)).error(), errc::eof);
  shm_stream_writer empty;
  EXPECT_EQ(empty.write(bytes("x")).err, errc::closed);
  EXPECT_EQ(empty.close().error(), errc::closed);
}

}  // namespace
}  // namespace conduit::ipc
