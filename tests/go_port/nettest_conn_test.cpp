// Go's conformance test for net.Conn implementations, ported: the behaviours of
// golang.org/x/net/nettest's TestConn (nettest/conntest.go: testBasicIO, testPingPong,
// testRacyRead, testRacyWrite, testReadTimeout, testWriteTimeout, testPastTimeout,
// testPresentTimeout, testFutureTimeout, testCloseTimeout, testConcurrentMethods), run on
// TCP over IPv4 and IPv6 loopback and on Unix stream sockets. Written anew for conduit;
// the scenarios and their checks are Go's.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <conduit/net/conn.hpp>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "support/support.hpp"
#include "unit/net/net_helpers.hpp"

namespace conduit::net {
namespace {

using namespace std::chrono_literals;
using conduit::test::scoped_thread;

// Go's aLongTimeAgo.
const deadline kLongAgo = deadline::past();

// Go's chunkedCopy: copies r to w in 1024-byte chunks until either fails; returns the error
// that ended it (eof of the reader is a clean end: returns {}).
template <class Read, class Write>
std::error_code chunked_copy(Read read, Write write) {
  std::byte buf[1024];
  for (;;) {
    auto r = read(std::span<std::byte>(buf));
    if (!r) return r.error() == errc::eof ? std::error_code{} : r.error();
    if (auto w = write(std::span<const std::byte>(buf, *r)); w.err) return w.err;
  }
}

result<std::size_t> read_full(conn& c, std::span<std::byte> buf) {
  std::size_t got = 0;
  while (got < buf.size()) {
    auto r = c.read(buf.subspan(got));
    if (!r) return r;
    got += *r;
  }
  return got;
}

class NettestConn : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    std::string kind = GetParam();
    if (kind == "tcp6" && !test::ipv6_loopback_available()) {
      GTEST_SKIP() << "::1 is not available here";
    }
    p_ = kind == "tcp4"   ? test::tcp4_pair()
         : kind == "tcp6" ? test::tcp6_pair()
                          : test::unix_pair();
    ASSERT_TRUE(p_);
    // Go's timeoutWrapper: if the test runs a minute, terminate the pipe.
    stopper_ = std::thread([this] {
      std::unique_lock<std::mutex> lk(mu_);
      if (!cv_.wait_for(lk, 60s, [&] { return done_; })) {
        ADD_FAILURE() << "test timed out; terminating pipe";
        (void)c1().close();
        (void)c2().close();
      }
    });
  }
  void TearDown() override {
    if (!p_) return;
    {
      std::lock_guard<std::mutex> g(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (stopper_.joinable()) stopper_.join();
    (void)c1().close();
    (void)c2().close();
    bg_.clear();  // joins the background copiers, which the closes have ended
  }
  conn& c1() { return p_->dialed; }
  conn& c2() { return p_->accepted; }
  template <class F>
  void go(F f) {
    bg_.emplace_back(std::move(f));
  }
  // chunkedCopy(c2, c2): echo everything on c2.
  void echo_c2() {
    go([this] {
      (void)chunked_copy([this](std::span<std::byte> b) { return c2().read(b); },
                         [this](std::span<const std::byte> b) { return c2().write(b); });
    });
  }
  // Go's testRoundtrip: write into c1 and read the echo back.
  void roundtrip() {
    c1().set_deadline(deadline::never());
    const std::string s = "Hello, world!";
    EXPECT_FALSE(c1().write(s).err) << "roundtrip write";
    std::vector<std::byte> buf(s.size());
    auto r = read_full(c1(), buf);
    ASSERT_TRUE(r) << "roundtrip read: " << r.error().message();
    EXPECT_EQ(test::str(buf), s);
  }
  // Go's resyncConn: write 0xff and read until it comes back as the last byte of a read.
  void resync() {
    c1().set_deadline(deadline::never());
    std::error_code werr;
    scoped_thread w([&] {
      const std::byte ff{0xff};
      werr = c1().write(std::span<const std::byte>(&ff, 1)).err;
    });
    std::byte buf[1024];
    for (;;) {
      auto r = c1().read(buf);
      if (!r) {
        ADD_FAILURE() << "unexpected read error: " << r.error().message();
        break;
      }
      auto* first = std::find(buf, buf + *r, std::byte{0xff});
      if (first == buf + *r - 1) break;
    }
    w.join();
    EXPECT_FALSE(werr) << werr.message();
  }

  std::optional<test::conn_pair> p_;
  std::vector<scoped_thread> bg_;
  std::thread stopper_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
};

// testBasicIO: data written on c1 arrives on c2 intact.
TEST_P(NettestConn, BasicIO) {
  std::vector<std::byte> want(1 << 20);
  std::mt19937 rng(0);
  for (auto& b : want) b = static_cast<std::byte>(rng());
  std::vector<std::byte> got;
  scoped_thread writer([&] {
    std::size_t off = 0;
    auto err = chunked_copy(
        [&](std::span<std::byte> b) -> result<std::size_t> {
          if (off == want.size()) return fail(errc::eof);
          std::size_t n = std::min(b.size(), want.size() - off);
          std::memcpy(b.data(), want.data() + off, n);
          off += n;
          return n;
        },
        [&](std::span<const std::byte> b) { return c1().write(b); });
    EXPECT_FALSE(err) << "unexpected c1.Write error: " << err.message();
    EXPECT_TRUE(c1().close());
  });
  scoped_thread reader([&] {
    auto err = chunked_copy([&](std::span<std::byte> b) { return c2().read(b); },
                            [&](std::span<const std::byte> b) {
                              got.insert(got.end(), b.begin(), b.end());
                              return io_result{b.size(), {}};
                            });
    EXPECT_FALSE(err) << "unexpected c2.Read error: " << err.message();
    EXPECT_TRUE(c2().close());
  });
  writer.join();
  reader.join();
  EXPECT_TRUE(got == want) << "transmitted data differs";
}

// testPingPong: request-response with an 8-byte counter, up to 1000.
TEST_P(NettestConn, PingPong) {
  auto ping_ponger = [](conn& c) {
    std::byte buf[8];
    std::uint64_t prev = 0;
    for (;;) {
      auto r = read_full(c, buf);
      if (!r) {
        if (r.error() == errc::eof) break;
        ADD_FAILURE() << "unexpected Read error: " << r.error().message();
        break;
      }
      std::uint64_t v;
      std::memcpy(&v, buf, 8);  // little-endian on every Linux conduit builds for
      std::uint64_t next = v + 1;
      std::memcpy(buf, &next, 8);
      if (prev != 0 && prev + 2 != v) ADD_FAILURE() << "mismatching value " << v;
      prev = v;
      if (v == 1000) break;
      if (auto w = c.write(std::span<const std::byte>(buf, 8)); w.err) {
        ADD_FAILURE() << "unexpected Write error: " << w.err.message();
        break;
      }
    }
    EXPECT_TRUE(c.close());
  };
  scoped_thread a([&] { ping_ponger(c1()); });
  scoped_thread b([&] { ping_ponger(c2()); });
  std::byte zero[8] = {};
  EXPECT_FALSE(c1().write(std::span<const std::byte>(zero, 8)).err);
}

// testRacyRead: the read buffer may be reused at once after a timeout.
TEST_P(NettestConn, RacyRead) {
  go([this] {
    std::mt19937 rng(0);
    (void)chunked_copy(
        [&](std::span<std::byte> b) -> result<std::size_t> {
          for (auto& x : b) x = static_cast<std::byte>(rng());
          return b.size();
        },
        [this](std::span<const std::byte> b) { return c2().write(b); });
  });
  c1().set_read_deadline(deadline::after(1ms));
  std::vector<scoped_thread> ts;
  for (int i = 0; i < 10; ++i) {
    ts.emplace_back([this] {
      std::vector<std::byte> b1(1024), b2(1024);
      for (int j = 0; j < 100; ++j) {
        auto r = c1().read(b1);
        b1 = b2;  // mutate b1 to trigger a potential race
        if (!r) {
          EXPECT_EQ(r.error(), errc::timeout);
          c1().set_read_deadline(deadline::after(1ms));
        }
      }
    });
  }
}

// testRacyWrite: the write buffer may be reused at once after a timeout.
TEST_P(NettestConn, RacyWrite) {
  go([this] {
    (void)chunked_copy([this](std::span<std::byte> b) { return c2().read(b); },
                       [](std::span<const std::byte> b) {
                         return io_result{b.size(), {}};
                       });
  });
  c1().set_write_deadline(deadline::after(1ms));
  std::vector<scoped_thread> ts;
  for (int i = 0; i < 10; ++i) {
    ts.emplace_back([this] {
      std::vector<std::byte> b1(1024), b2(1024);
      for (int j = 0; j < 100; ++j) {
        auto w = c1().write(b1);
        b1 = b2;
        if (w.err) {
          EXPECT_EQ(w.err, errc::timeout);
          c1().set_write_deadline(deadline::after(1ms));
        }
      }
    });
  }
}

// testReadTimeout: a read timeout does not affect writes.
TEST_P(NettestConn, ReadTimeout) {
  go([this] {
    (void)chunked_copy([this](std::span<std::byte> b) { return c2().read(b); },
                       [](std::span<const std::byte> b) {
                         return io_result{b.size(), {}};
                       });
  });
  c1().set_read_deadline(kLongAgo);
  std::vector<std::byte> buf(1024);
  auto r = c1().read(buf);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::timeout);
  EXPECT_FALSE(c1().write(buf).err) << "unexpected Write error";
}

// testWriteTimeout: a write timeout does not affect reads.
TEST_P(NettestConn, WriteTimeout) {
  go([this] {
    std::mt19937 rng(0);
    (void)chunked_copy(
        [&](std::span<std::byte> b) -> result<std::size_t> {
          for (auto& x : b) x = static_cast<std::byte>(rng());
          return b.size();
        },
        [this](std::span<const std::byte> b) { return c2().write(b); });
  });
  c1().set_write_deadline(kLongAgo);
  std::vector<std::byte> buf(1024);
  auto w = c1().write(buf);
  EXPECT_EQ(w.err, errc::timeout);
  auto r = c1().read(buf);
  EXPECT_TRUE(r) << "unexpected Read error: " << r.error().message();
}

// testPastTimeout: a deadline in the past times out reads and writes at once, n == 0.
TEST_P(NettestConn, PastTimeout) {
  echo_c2();
  roundtrip();
  c1().set_deadline(kLongAgo);
  std::vector<std::byte> buf(1024);
  auto w = c1().write(buf);
  EXPECT_EQ(w.n, 0u);
  EXPECT_EQ(w.err, errc::timeout);
  auto r = c1().read(buf);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::timeout);
  roundtrip();
}

// testPresentTimeout: a past deadline set while a read and a write are pending times
// them out at once.
TEST_P(NettestConn, PresentTimeout) {
  std::atomic<bool> deadline_set{false};
  scoped_thread setter([&] {
    std::this_thread::sleep_for(100ms);  // the scenario: the calls are pending by now
    deadline_set = true;
    c1().set_read_deadline(kLongAgo);
    c1().set_write_deadline(kLongAgo);
  });
  scoped_thread reader([&] {
    std::vector<std::byte> buf(1024);
    auto r = c1().read(buf);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::timeout);
    EXPECT_TRUE(deadline_set.load()) << "Read timed out before deadline is set";
  });
  scoped_thread writer([&] {
    std::vector<std::byte> buf(1024);
    io_result w;
    while (!w.err) w = c1().write(buf);
    EXPECT_EQ(w.err, errc::timeout);
    EXPECT_TRUE(deadline_set.load()) << "Write timed out before deadline is set";
  });
}

// testFutureTimeout: a future deadline times out reads and writes when it comes, and the
// connection works afterwards.
TEST_P(NettestConn, FutureTimeout) {
  c1().set_deadline(deadline::after(100ms));
  {
    scoped_thread reader([&] {
      std::vector<std::byte> buf(1024);
      auto r = c1().read(buf);
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error(), errc::timeout);
    });
    scoped_thread writer([&] {
      std::vector<std::byte> buf(1024);
      io_result w;
      while (!w.err) w = c1().write(buf);
      EXPECT_EQ(w.err, errc::timeout);
    });
  }
  echo_c2();
  resync();
  roundtrip();
}

// testCloseTimeout: close ends a pending read and write.
TEST_P(NettestConn, CloseTimeout) {
  echo_c2();
  c1().set_deadline(deadline::never());
  scoped_thread closer([&] {
    std::this_thread::sleep_for(100ms);
    (void)c1().close();
  });
  scoped_thread reader([&] {
    std::vector<std::byte> buf(1024);
    result<std::size_t> r = std::size_t{0};
    while (r) r = c1().read(buf);
    EXPECT_EQ(r.error(), errc::closed);
  });
  scoped_thread writer([&] {
    std::vector<std::byte> buf(1024);
    io_result w;
    while (!w.err) w = c1().write(buf);
    EXPECT_EQ(w.err, errc::closed);
  });
}

// testConcurrentMethods: every method may be called concurrently; the connection is
// still sane afterwards.
TEST_P(NettestConn, ConcurrentMethods) {
  echo_c2();
  std::vector<scoped_thread> ts;
  ts.reserve(700);
  for (int i = 0; i < 100; ++i) {
    ts.emplace_back([this] {
      std::vector<std::byte> b(1024);
      (void)c1().read(b);
    });
    ts.emplace_back([this] {
      std::vector<std::byte> b(1024);
      (void)c1().write(b);
    });
    ts.emplace_back([this] { c1().set_deadline(deadline::after(10ms)); });
    ts.emplace_back([this] { c1().set_read_deadline(kLongAgo); });
    ts.emplace_back([this] { c1().set_write_deadline(kLongAgo); });
    ts.emplace_back([this] { (void)c1().local_addr().to_string(); });
    ts.emplace_back([this] { (void)c1().remote_addr().to_string(); });
  }
  ts.clear();  // at worst the deadline is 10 ms away
  resync();
  roundtrip();
}

INSTANTIATE_TEST_SUITE_P(Loopback, NettestConn, ::testing::Values("tcp4", "tcp6", "unix"));

}  // namespace
}  // namespace conduit::net
