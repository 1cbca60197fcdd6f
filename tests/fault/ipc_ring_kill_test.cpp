// A peer of a shm_ring SIGKILLed at random points of a transfer, 100 times in all: the
// survivor never hangs, never receives a damaged record, and reports the death
// (errc::owner_dead). Transfers are small so that the whole file runs in seconds.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <conduit/ipc/shm_ring.hpp>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "support/child.hpp"
#include "support/support.hpp"

namespace conduit::ipc {
namespace {

using namespace std::chrono_literals;

std::string test_name() { return "/" + test::unique_name("conduit_test"); }

std::byte pattern(std::uint64_t i) { return static_cast<std::byte>((i * 131 + 7) & 0xff); }

// A record of the message tests: a header, then len bytes of pattern(seq * 31 + i).
struct record_header {
  std::uint32_t producer;
  std::uint32_t seq;
  std::uint32_t len;
  std::uint32_t sum;
};

std::uint32_t checksum(std::span<const std::byte> b) {
  std::uint32_t h = 2166136261u;
  for (std::byte x : b) h = (h ^ static_cast<std::uint32_t>(x)) * 16777619u;
  return h;
}

std::vector<std::byte> make_record(std::uint32_t producer, std::uint32_t seq) {
  std::uint32_t len = (seq * 97) % 1500;
  std::vector<std::byte> r(sizeof(record_header) + len);
  for (std::uint32_t i = 0; i < len; ++i) {
    r[sizeof(record_header) + i] = pattern(std::uint64_t{seq} * 31 + i);
  }
  record_header h{producer, seq, len, checksum(std::span(r).subspan(sizeof(record_header)))};
  std::memcpy(r.data(), &h, sizeof h);
  return r;
}

// Checks a received record; returns its header.
::testing::AssertionResult check_record(std::span<const std::byte> r, record_header& h) {
  if (r.size() < sizeof h) return ::testing::AssertionFailure() << "short record " << r.size();
  std::memcpy(&h, r.data(), sizeof h);
  if (r.size() != sizeof h + h.len) {
    return ::testing::AssertionFailure() << "record of " << r.size() << " bytes says " << h.len;
  }
  if (checksum(r.subspan(sizeof h)) != h.sum) return ::testing::AssertionFailure() << "checksum";
  for (std::uint32_t i = 0; i < h.len; ++i) {
    if (r[sizeof h + i] != pattern(std::uint64_t{h.seq} * 31 + i)) {
      return ::testing::AssertionFailure() << "payload byte " << i;
    }
  }
  return ::testing::AssertionSuccess();
}

// Children: each runs until the parent kills it (or the ring fails it).
const bool reg_writer = test::register_child("kill_stream_writer", [](std::string_view name) {
  auto ring = shm_ring::open(name, deadline::after(10s));
  if (!ring) return 2;
  auto w = shm_stream_writer::attach(*ring);
  if (!w) return 3;
  std::vector<std::byte> chunk(3000);
  std::uint64_t pos = 0;
  for (std::size_t n = 1;; n = n % 2999 + 1) {
    for (std::size_t i = 0; i < n; ++i) chunk[i] = pattern(pos + i);
    auto r = w->write(std::span(chunk.data(), n), deadline::after(30s));
    if (r.err) return 4;
    pos += n;
  }
});

const bool reg_sender = test::register_child("kill_msg_sender", [](std::string_view name) {
  auto ring = shm_ring::open(name, deadline::after(10s));
  if (!ring) return 2;
  auto s = shm_message_sender::attach(*ring);
  if (!s) return 3;
  for (std::uint32_t seq = 0;; ++seq) {
    if (!s->send(make_record(1, seq), deadline::after(30s))) return 4;
  }
});

const bool reg_reader = test::register_child("kill_stream_reader", [](std::string_view name) {
  auto ring = shm_ring::open(name, deadline::after(10s));
  if (!ring) return 2;
  auto r = shm_stream_reader::attach(*ring);
  if (!r) return 3;
  std::vector<std::byte> buf(1000);
  for (;;) {
    if (!r->read(buf, deadline::after(30s))) return 4;
  }
});

struct ring_guard {
  std::string name;
  ~ring_guard() { (void)shm_ring::unlink(name); }
};

constexpr int kStreamKills = 45, kMessageKills = 45, kReaderKills = 10;

TEST(IpcRingKillTest, StreamWriterKilledAtRandomPoints) {
  std::mt19937 rng(20240601);
  for (int iter = 0; iter < kStreamKills; ++iter) {
    SCOPED_TRACE("iteration " + std::to_string(iter));
    ring_guard g{test_name()};
    auto ring = shm_ring::create(g.name, ring_kind::stream, 4096);
    ASSERT_TRUE(ring);
    auto r = shm_stream_reader::attach(*ring);
    ASSERT_TRUE(r);
    auto child = test::child_process::spawn("kill_stream_writer", g.name);
    ASSERT_TRUE(child.valid());
    const std::uint64_t kill_at = 1 + rng() % 20000;
    std::vector<std::byte> buf(1 + rng() % 2000);
    std::uint64_t got = 0;
    bool killed = false;
    std::error_code end;
    for (;;) {
      auto n = r->read(buf, deadline::after(20s));
      if (!n) {
        end = n.error();
        break;
      }
      for (std::size_t i = 0; i < *n; ++i) ASSERT_EQ(buf[i], pattern(got + i)) << got + i;
      got += *n;
      if (!killed && got >= kill_at) {
        child.kill(SIGKILL);
        killed = true;
      }
    }
    EXPECT_TRUE(killed);
    EXPECT_EQ(end, errc::owner_dead) << end.message();
    EXPECT_EQ(child.wait(deadline::after(20s)), 128 + SIGKILL);
  }
}

TEST(IpcRingKillTest, MessageSenderKilledAtRandomPointsWhileAnotherSends) {
  std::mt19937 rng(77);
  for (int iter = 0; iter < kMessageKills; ++iter) {
    SCOPED_TRACE("iteration " + std::to_string(iter));
    ring_guard g{test_name()};
    auto ring = shm_ring::create(g.name, ring_kind::message, 4096);
    ASSERT_TRUE(ring);
    auto r = shm_message_receiver::attach(*ring);
    ASSERT_TRUE(r);
    auto child = test::child_process::spawn("kill_msg_sender", g.name);
    ASSERT_TRUE(child.valid());
    // The survivor: a sender in this process, started once the child's first record is in
    // (a ring whose only producer has closed is at its end, as a pipe).
    constexpr std::uint32_t kSurvivorRecords = 60;
    auto s = shm_message_sender::attach(*ring);
    ASSERT_TRUE(s);
    std::error_code survivor_error;
    std::optional<test::scoped_thread> survivor;
    auto start_survivor = [&] {
      survivor.emplace([&] {
        for (std::uint32_t seq = 0; seq < kSurvivorRecords; ++seq) {
          auto sent = s->send(make_record(2, seq), deadline::after(20s));
          if (!sent) {
            survivor_error = sent.error();
            return;
          }
        }
        (void)s->close();
      });
    };
    const std::uint32_t kill_at = 1 + rng() % 40;
    std::uint32_t next[3] = {0, 0, 0};
    bool killed = false;
    std::error_code end;
    std::vector<std::byte> buf(4096);
    for (;;) {
      auto n = r->receive(buf, deadline::after(20s));
      if (!n) {
        end = n.error();
        break;
      }
      record_header h{};
      ASSERT_TRUE(check_record(std::span(buf.data(), *n), h));
      ASSERT_TRUE(h.producer == 1 || h.producer == 2) << h.producer;
      ASSERT_EQ(h.seq, next[h.producer]) << "producer " << h.producer;
      ++next[h.producer];
      if (!survivor) start_survivor();
      if (!killed && next[1] >= kill_at) {
        child.kill(SIGKILL);
        killed = true;
      }
    }
    survivor.reset();  // joins
    EXPECT_FALSE(survivor_error) << survivor_error.message();
    EXPECT_TRUE(killed);
    EXPECT_EQ(end, errc::owner_dead) << end.message();
    EXPECT_EQ(next[2], kSurvivorRecords);
    EXPECT_EQ(child.wait(deadline::after(20s)), 128 + SIGKILL);
  }
}

TEST(IpcRingKillTest, StreamReaderKilledWriterGetsOwnerDead) {
  std::mt19937 rng(5);
  for (int iter = 0; iter < kReaderKills; ++iter) {
    SCOPED_TRACE("iteration " + std::to_string(iter));
    ring_guard g{test_name()};
    auto ring = shm_ring::create(g.name, ring_kind::stream, 4096);
    ASSERT_TRUE(ring);
    auto w = shm_stream_writer::attach(*ring);
    ASSERT_TRUE(w);
    auto child = test::child_process::spawn("kill_stream_reader", g.name);
    ASSERT_TRUE(child.valid());
    const std::uint64_t kill_at = 4096 + rng() % 20000;
    std::vector<std::byte> chunk(1 + rng() % 3000, std::byte{1});
    std::uint64_t put = 0;
    bool killed = false;
    io_result res;
    for (;;) {
      res = w->write(chunk, deadline::after(20s));
      put += res.n;
      if (res.err) break;
      if (!killed && put >= kill_at) {
        child.kill(SIGKILL);
        killed = true;
      }
    }
    EXPECT_TRUE(killed);
    EXPECT_EQ(res.err, errc::owner_dead) << res.err.message();
    EXPECT_EQ(child.wait(deadline::after(20s)), 128 + SIGKILL);
  }
}

}  // namespace
}  // namespace conduit::ipc
