// A hostile (or broken) peer writes garbage into a shm_ring's control block and records:
// every index, length and pid read from shared memory is checked, so the survivor gets
// errc::corrupt (sticky) — never an out-of-bounds access, a crash or a hang. The ASan build
// runs this file with bounds checking; fuzz/ holds the libFuzzer target for the same.
#include <gtest/gtest.h>

#include <atomic>
#include <conduit/ipc/ipc_error.hpp>
#include <conduit/ipc/shm_ring.hpp>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "ipc/ring_layout.hpp"
#include "support/child.hpp"
#include "support/support.hpp"

namespace conduit::ipc {
namespace {

using namespace std::chrono_literals;

std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s)); }

// The ring's control block, as a peer sees it.
detail::ring_control& control(const shm_ring& r) {
  return *reinterpret_cast<detail::ring_control*>(r.memory().data().data());
}
std::byte* data(const shm_ring& r) { return r.memory().data().data() + shm_ring::control_size; }

template <class T>
std::error_code err_of(const result<T>& r) {
  return r ? std::error_code() : r.error();
}

shm_ring make_ring(ring_kind k, std::size_t cap = 4096) {
  auto mem = shared_memory::anonymous(0);
  EXPECT_TRUE(mem);
  auto r = shm_ring::create(std::move(*mem), k, cap);
  EXPECT_TRUE(r);
  return *r;
}

const bool reg_exit = test::register_child("exit_at_once", [](std::string_view) { return 0; });

TEST(IpcRingHostileTest, HeadPastTheCapacityIsCorruptAndSticky) {
  shm_ring ring = make_ring(ring_kind::stream);
  auto w = shm_stream_writer::attach(ring);
  auto r = shm_stream_reader::attach(ring);
  ASSERT_TRUE(w && r);
  ASSERT_FALSE(w->write(bytes("0123456789")).err);
  control(ring).head.store(4096 + 1);
  std::byte buf[64];
  EXPECT_EQ(r->read(buf, deadline::after(1s)).error(), errc::corrupt);
  control(ring).head.store(10);  // even when repaired, the end stays broken
  EXPECT_EQ(r->read(buf, deadline::after(1s)).error(), errc::corrupt);
}

TEST(IpcRingHostileTest, HeadBehindTheTailIsCorrupt) {
  shm_ring ring = make_ring(ring_kind::stream);
  auto w = shm_stream_writer::attach(ring);
  auto r = shm_stream_reader::attach(ring);
  ASSERT_TRUE(w && r);
  ASSERT_FALSE(w->write(bytes("0123456789")).err);
  std::byte buf[4];
  ASSERT_EQ(r->read(buf).value(), 4u);
  ASSERT_EQ(r->read(buf).value(), 4u);
  ASSERT_EQ(r->read(buf).value(), 2u);  // everything this reader knew of is consumed
  control(ring).head.store(2);
  EXPECT_EQ(r->try_read(buf).error(), errc::corrupt);
}

TEST(IpcRingHostileTest, TailPastTheHeadIsCorruptForTheWriter) {
  shm_ring ring = make_ring(ring_kind::stream);
  auto w = shm_stream_writer::attach(ring);
  ASSERT_TRUE(w);
  ASSERT_FALSE(w->write(bytes("abc")).err);
  control(ring).tail.store(1000);
  // The writer reads the tail again once the room it knew of is used up.
  std::vector<std::byte> big(5000);
  auto r = w->write(big, deadline::after(1s));
  EXPECT_EQ(r.err, errc::corrupt);
  EXPECT_LE(r.n, 4096u - 3);
  EXPECT_EQ(w->write(bytes("def"), deadline::after(1s)).err, errc::corrupt);
}

TEST(IpcRingHostileTest, RecordHeadersThatLieAreCorrupt) {
  // A length that does not match its check word.
  {
    shm_ring ring = make_ring(ring_kind::message);
    auto s = shm_message_sender::attach(ring);
    auto r = shm_message_receiver::attach(ring);
    ASSERT_TRUE(s && r);
    ASSERT_TRUE(s->send(bytes("hello")));
    std::uint32_t len = 3000;
    std::memcpy(data(ring), &len, 4);
    std::byte buf[4096];
    EXPECT_EQ(r->next_size().error(), errc::corrupt);
    EXPECT_EQ(r->receive(buf).error(), errc::corrupt);
  }
  // A consistent header whose record runs past the head.
  {
    shm_ring ring = make_ring(ring_kind::message);
    auto s = shm_message_sender::attach(ring);
    auto r = shm_message_receiver::attach(ring);
    ASSERT_TRUE(s && r);
    ASSERT_TRUE(s->send(bytes("hello")));
    std::uint32_t hdr[2] = {3000, 3000 ^ detail::kRecordCheck};
    std::memcpy(data(ring), hdr, 8);
    std::byte buf[4096];
    EXPECT_EQ(r->receive(buf).error(), errc::corrupt);
  }
  // A length larger than any message.
  {
    shm_ring ring = make_ring(ring_kind::message);
    auto s = shm_message_sender::attach(ring);
    auto r = shm_message_receiver::attach(ring);
    ASSERT_TRUE(s && r);
    ASSERT_TRUE(s->send(bytes("hello")));
    std::uint32_t hdr[2] = {0xffffffffu, 0xffffffffu ^ detail::kRecordCheck};
    std::memcpy(data(ring), hdr, 8);
    std::byte buf[64];
    EXPECT_EQ(r->receive(buf).error(), errc::corrupt);
  }
  // A head that is not at a record boundary.
  {
    shm_ring ring = make_ring(ring_kind::message);
    auto s = shm_message_sender::attach(ring);
    auto r = shm_message_receiver::attach(ring);
    ASSERT_TRUE(s && r);
    control(ring).head.store(13);
    std::byte buf[64];
    EXPECT_EQ(r->try_receive(buf).error(), errc::corrupt);
    EXPECT_EQ(s->send(bytes("x"), deadline::after(1s)).error(), errc::corrupt);
  }
}

TEST(IpcRingHostileTest, GarbageInTheLockOrTheRoleSlotsIsCorrupt) {
  shm_ring ring = make_ring(ring_kind::message);
  auto s = shm_message_sender::attach(ring);
  auto r = shm_message_receiver::attach(ring);
  ASSERT_TRUE(s && r);
  control(ring).lock.store(0x7ffffff0u);  // no pid is that large
  EXPECT_EQ(s->send(bytes("x"), deadline::after(1s)).error(), errc::corrupt);

  shm_ring ring2 = make_ring(ring_kind::message);
  auto s2 = shm_message_sender::attach(ring2);
  auto r2 = shm_message_receiver::attach(ring2);
  ASSERT_TRUE(s2 && r2);
  control(ring2).consumer.store(-7);
  EXPECT_EQ(s2->send(bytes("x"), deadline::after(1s)).error(), errc::corrupt);
  control(ring2).producers[5].store(-9);
  std::byte buf[16];
  EXPECT_EQ(r2->receive(buf, deadline::after(1s)).error(), errc::corrupt);
}

TEST(IpcRingHostileTest, ALockHeldByADeadProcessIsTakenOverAndItsHalfRecordIgnored) {
  auto child = test::child_process::spawn("exit_at_once");
  ASSERT_TRUE(child.valid());
  const pid_t dead = child.pid();
  ASSERT_EQ(child.wait(deadline::after(20s)), 0);

  shm_ring ring = make_ring(ring_kind::message);
  auto s = shm_message_sender::attach(ring);
  auto r = shm_message_receiver::attach(ring);
  ASSERT_TRUE(s && r);
  ASSERT_TRUE(s->send(bytes("first")));
  // The dead producer held the lock and had written half a record past the head.
  control(ring).producers[7].store(dead);
  control(ring).lock.store(7 + 1);  // slot 7's
  std::memset(data(ring) + 16, 0xAB, 100);
  auto start = clock::now();
  ASSERT_TRUE(s->send(bytes("second"), deadline::after(10s)));
  EXPECT_LT(clock::now() - start, 1s + test::kSlack);
  ASSERT_TRUE(s->close());
  std::byte buf[64];
  EXPECT_EQ(r->receive(buf, deadline::after(1s)).value(), 5u);
  auto n = r->receive(buf, deadline::after(1s));
  ASSERT_TRUE(n);
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(buf), *n), "second");
  // The dead producer never closed: the end is owner_dead, not eof.
  EXPECT_EQ(r->receive(buf, deadline::after(5s)).error(), errc::owner_dead);
}

TEST(IpcRingHostileTest, GeometryRewrittenAfterOpenIsIgnored) {
  shm_ring ring = make_ring(ring_kind::stream);
  auto w = shm_stream_writer::attach(ring);
  auto r = shm_stream_reader::attach(ring);
  ASSERT_TRUE(w && r);
  control(ring).capacity.store(std::uint64_t{1} << 40);
  control(ring).kind.store(99);
  std::vector<std::byte> big(10000, std::byte{5});
  auto t = w->try_write(big);
  EXPECT_EQ(t.n, 4096u);  // this side's own copy of the capacity
  std::vector<std::byte> buf(10000);
  EXPECT_EQ(r->try_read(buf).value(), 4096u);
  // A new opener sees the damage.
  EXPECT_EQ(shm_ring::open(shared_memory::from_fd(*ring.memory().dup_fd()).value()).error(),
            errc::corrupt);
}

// Random garbage, many times: only the listed outcomes, no crash (ASan checks the bounds).
TEST(IpcRingHostileTest, RandomGarbageGivesOnlyCleanOutcomes) {
  std::mt19937_64 rng(12345);
  const std::error_code allowed[] = {
      make_error_code(errc::would_block),
      make_error_code(errc::corrupt),
      make_error_code(errc::eof),
      make_error_code(errc::owner_dead),
      make_error_code(errc::closed_pipe),
      make_error_code(errc::message_too_large),
      make_error_code(ipc_errc::buffer_too_small),
      make_error_code(errc::timeout),
      std::make_error_code(std::errc::device_or_resource_busy),
      std::make_error_code(std::errc::invalid_argument),
      errno_code(EUSERS),
  };
  auto ok = [&](const std::error_code& ec) {
    if (!ec) return true;
    for (auto& a : allowed) {
      if (ec == a) return true;
    }
    return false;
  };
  std::vector<std::byte> buf(5000), msg(3000);
  for (int iter = 0; iter < 1500; ++iter) {
    const bool stream = iter % 2 == 0;
    shm_ring ring = make_ring(stream ? ring_kind::stream : ring_kind::message);
    std::byte* base = ring.memory().data().data();
    auto scribble = [&] {
      int n = 1 + static_cast<int>(rng() % 6);
      for (int k = 0; k < n; ++k) {
        std::size_t off = rng() % 320;  // the live part of the control block
        std::uint64_t v = rng();
        switch (rng() % 4) {
          case 0:
            v &= 0xff;
            break;
          case 1:
            v %= 9000;
            break;
          case 2:
            v = static_cast<std::uint64_t>(::getpid());
            break;
          default:
            break;
        }
        std::size_t len = 1 + rng() % 8;
        std::memcpy(base + off, &v, std::min(len, shm_ring::control_size - off));
      }
      if (rng() % 3 == 0) {  // and the records
        std::size_t off = rng() % ring.capacity();
        std::uint64_t v = rng();
        std::memcpy(data(ring) + (off & ~std::size_t{7}), &v, 8);
      }
    };
    if (rng() % 4 == 0) scribble();  // before anyone attaches
    if (stream) {
      auto w = shm_stream_writer::attach(ring);
      auto r = shm_stream_reader::attach(ring);
      ASSERT_TRUE(ok(err_of(w))) << err_of(w).message();
      ASSERT_TRUE(ok(err_of(r))) << err_of(r).message();
      for (int op = 0; op < 12; ++op) {
        if (rng() % 3 == 0) scribble();
        if (w && rng() % 2 == 0) {
          auto res = w->try_write(std::span(msg).first(rng() % msg.size()));
          ASSERT_TRUE(ok(res.err)) << res.err.message();
        }
        if (r) {
          auto res = r->try_read(std::span(buf).first(1 + rng() % (buf.size() - 1)));
          ASSERT_TRUE(ok(err_of(res))) << err_of(res).message();
        }
      }
    } else {
      auto s = shm_message_sender::attach(ring);
      auto r = shm_message_receiver::attach(ring);
      ASSERT_TRUE(ok(err_of(s))) << err_of(s).message();
      ASSERT_TRUE(ok(err_of(r))) << err_of(r).message();
      for (int op = 0; op < 12; ++op) {
        if (rng() % 3 == 0) scribble();
        if (s && rng() % 2 == 0) {
          auto res = s->try_send(std::span(msg).first(rng() % msg.size()));
          ASSERT_TRUE(ok(err_of(res))) << err_of(res).message();
        }
        if (r) {
          auto res = r->try_receive(std::span(buf).first(rng() % buf.size()));
          ASSERT_TRUE(ok(err_of(res))) << err_of(res).message();
          auto ns = r->next_size();
          ASSERT_TRUE(ok(err_of(ns))) << err_of(ns).message();
        }
      }
    }
  }
}

}  // namespace
}  // namespace conduit::ipc
