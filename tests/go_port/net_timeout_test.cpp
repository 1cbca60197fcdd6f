// The deadline behaviours of Go's src/net/timeout_test.go, ported to conduit: dial
// timeouts and deadlines (past, future, huge), accept/read/write/read_from/write_to
// deadlines (in the past even with data ready, in the future, fluctuating, cleared while
// pending), various tiny deadlines on a copy, and concurrent deadline changes. Written
// anew; the scenarios and their bounds are Go's (with slack for a busy 2-core machine).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <conduit/net/dial.hpp>
#include <conduit/net/listener.hpp>
#include <conduit/net/packet_conn.hpp>
#include <functional>
#include <thread>
#include <vector>

#include "support/support.hpp"
#include "unit/net/net_helpers.hpp"

namespace conduit::net {
namespace {

using namespace std::chrono_literals;
using conduit::test::kSlack;
using conduit::test::scoped_thread;
using test::bytes;

// Go's localServer: a TCP listener on 127.0.0.1 whose handler runs on its own thread.
class local_server {
 public:
  explicit local_server(std::function<void(listener&)> handler) {
    auto ln = listen("tcp", "127.0.0.1:0");
    EXPECT_TRUE(ln) << ln.error().what();
    if (!ln) return;
    ln_ = std::move(*ln);
    ln_.set_deadline(deadline::after(60s));
    t_ = std::thread([this, h = std::move(handler)] { h(ln_); });
  }
  ~local_server() {
    (void)ln_.close();
    if (t_.joinable()) t_.join();
  }
  std::string address() const { return ln_.addr().to_string(); }

 private:
  listener ln_;
  std::thread t_;
};

// TestDialTimeout: deadlines and timeouts in the past fail at once; 50 ms ones fail in
// about 50 ms; the earlier of timeout and deadline wins.
TEST(NetTimeoutTest, DialTimeout) {
  test::blackhole bh;
  struct {
    std::chrono::nanoseconds timeout;
    std::chrono::nanoseconds delta;  // for the deadline; 0: none
    std::chrono::milliseconds max;
  } cases[] = {
      {-5s, 0s, 100ms},
      {0s, -5s, 100ms},
      {-5s, 5s, 100ms},  // timeout over deadline
      {std::chrono::nanoseconds::min(), 0s, 100ms},
      {0s, std::chrono::nanoseconds::min(), 100ms},
      {50ms, 0s, 1s},
      {0s, 50ms, 1s},
      {50ms, 5s, 1s},  // timeout over deadline
  };
  int i = 0;
  for (auto& tt : cases) {
    dialer d{.timeout = tt.timeout};
    if (tt.delta != 0s) d.deadline = deadline::after(tt.delta);
    auto start = clock::now();
    auto c = d.dial("tcp", bh.address());
    auto took = clock::now() - start;
    EXPECT_LT(took, tt.max + kSlack) << "#" << i << ": dial didn't return in time";
    ASSERT_FALSE(c) << "#" << i << ": unexpectedly established";
    EXPECT_TRUE(c.error().timeout()) << "#" << i << ": " << c.error().what();
    ++i;
  }
}

// TestDialTimeoutMaxDuration: timeouts that overflow a nanosecond clock still connect.
TEST(NetTimeoutTest, DialTimeoutMaxDuration) {
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  for (auto d : {dialer{.timeout = std::chrono::nanoseconds::max()},
                 dialer{.deadline = deadline::after(std::chrono::nanoseconds::max())}}) {
    auto start = clock::now();
    auto c = d.dial(ln->addr().network(), ln->addr().to_string());
    EXPECT_LT(clock::now() - start, 250ms + kSlack);
    EXPECT_TRUE(c) << c.error().what();
  }
}

// TestAcceptTimeout: a past deadline fails even with connections waiting; a 50 ms one
// lets pending connections through, then fails.
TEST(NetTimeoutTest, AcceptTimeout) {
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  auto waiting = dial_timeout("tcp", ln->addr().to_string(), 1s);
  ASSERT_TRUE(waiting);
  ln->set_deadline(deadline::after(-5s));
  for (int j = 0; j < 2; ++j) {
    auto c = ln->accept();
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error(), errc::timeout);
  }
  ln->set_deadline(deadline::after(50ms));
  int accepted = 0;
  for (;;) {
    auto c = ln->accept();
    if (!c) {
      EXPECT_EQ(c.error(), errc::timeout);
      break;
    }
    ++accepted;
  }
  EXPECT_EQ(accepted, 1);
}

// TestAcceptTimeoutMustReturn: clearing then setting a 10 ms deadline returns in time.
TEST(NetTimeoutTest, AcceptTimeoutMustReturn) {
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  ln->set_deadline(deadline::never());
  ln->set_deadline(deadline::after(10ms));
  auto start = clock::now();
  auto c = ln->accept();
  EXPECT_LT(clock::now() - start, 1s);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), errc::timeout);
}

// TestAcceptTimeoutMustNotReturn: a past deadline, then cleared: accept waits, until
// close.
TEST(NetTimeoutTest, AcceptTimeoutMustNotReturn) {
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  std::atomic<bool> returned{false};
  result<conn> c = fail(errc::eof);
  scoped_thread t([&] {
    ln->set_deadline(deadline::after(-5s));
    ln->set_deadline(deadline::never());
    c = ln->accept();
    returned = true;
  });
  std::this_thread::sleep_for(100ms);  // Go's max timer: it must not return in this time
  EXPECT_FALSE(returned.load()) << "accept returned";
  ASSERT_TRUE(ln->close());
  t.join();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), errc::closed);
}

// TestReadTimeout: a past deadline fails reads even with data ready; a 50 ms one lets the
// data through, then fails with n == 0.
TEST(NetTimeoutTest, ReadTimeout) {
  local_server ls([](listener& ln) {
    auto c = ln.accept();
    if (!c) return;
    (void)c->write("READ TIMEOUT TEST");
    std::byte b[1];
    c->set_read_deadline(deadline::after(30s));
    (void)c->read(b);  // hold the connection open until the client closes
  });
  auto c = dial_timeout("tcp", ls.address(), 10s);
  ASSERT_TRUE(c);
  for (auto timeout : {std::chrono::milliseconds(-5000), std::chrono::milliseconds(50)}) {
    c->set_read_deadline(deadline::after(timeout));
    std::byte b[1];
    for (int j = 0; j < 2; ++j) {
      const bool must_time_out = j == 1 || timeout < 0ms;  // Go's xerrs
      for (;;) {
        auto r = c->read(b);
        if (r) {
          ASSERT_FALSE(must_time_out) << "read despite a past deadline";
          std::this_thread::sleep_for(timeout / 3);
          continue;
        }
        EXPECT_EQ(r.error(), errc::timeout);
        break;
      }
    }
  }
  (void)c->close();
}

// TestReadTimeoutMustNotReturn: read deadline cleared after past deadlines: read waits.
TEST(NetTimeoutTest, ReadTimeoutMustNotReturn) {
  auto p = test::tcp4_pair();
  ASSERT_TRUE(p);
  conn& c = p->dialed;
  std::atomic<bool> returned{false};
  result<std::size_t> r = std::size_t{0};
  scoped_thread t([&] {
    c.set_deadline(deadline::after(-5s));
    c.set_write_deadline(deadline::after(-5s));
    c.set_read_deadline(deadline::never());
    std::byte b[1];
    r = c.read(b);
    returned = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(returned.load()) << "read returned";
  ASSERT_TRUE(c.close());
  t.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::closed) << "not a timeout";
}

// TestReadFromTimeout: as ReadTimeout, for read_from on UDP.
TEST(NetTimeoutTest, ReadFromTimeout) {
  auto server = listen_packet("udp", "127.0.0.1:0");
  ASSERT_TRUE(server);
  auto c = listen_packet("udp", "127.0.0.1:0");
  ASSERT_TRUE(c);
  ASSERT_FALSE(server->write_to(bytes("READFROM TIMEOUT TEST"), c->local_addr()).err);
  for (auto timeout : {std::chrono::milliseconds(-5000), std::chrono::milliseconds(50)}) {
    c->set_read_deadline(deadline::after(timeout));
    std::byte b[64];
    for (int j = 0; j < 2; ++j) {
      for (;;) {
        auto r = c->read_from(b);
        if (!r.err) {
          ASSERT_GT(timeout, 0ms) << "read despite a past deadline";
          continue;
        }
        EXPECT_EQ(r.err, errc::timeout);
        EXPECT_EQ(r.n, 0u);
        break;
      }
    }
  }
}

// TestWriteTimeout: past deadlines fail writes even with buffer space; 10 ms ones let
// writes through until the buffers fill, then fail with n == 0.
TEST(NetTimeoutTest, WriteTimeout) {
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  for (auto timeout : {std::chrono::milliseconds(-5000), std::chrono::milliseconds(10)}) {
    auto c = dial_timeout("tcp", ln->addr().to_string(), 10s);
    ASSERT_TRUE(c);
    c->set_write_deadline(deadline::after(timeout));
    for (int j = 0; j < 2; ++j) {
      for (;;) {
        auto w = c->write("WRITE TIMEOUT TEST");
        if (!w.err) {
          ASSERT_GT(timeout, 0ms) << "wrote despite a past deadline";
          std::this_thread::sleep_for(timeout / 3);
          continue;
        }
        EXPECT_EQ(w.err, errc::timeout);
        EXPECT_EQ(w.n, 0u);
        break;
      }
    }
  }
}

// TestWriteTimeoutMustNotReturn: write deadline cleared after past deadlines: writes go on
// until the buffers fill, then wait, until close.
TEST(NetTimeoutTest, WriteTimeoutMustNotReturn) {
  auto p = test::tcp4_pair();
  ASSERT_TRUE(p);
  conn& c = p->dialed;
  std::atomic<bool> returned{false};
  std::error_code err;
  scoped_thread t([&] {
    c.set_deadline(deadline::after(-5s));
    c.set_read_deadline(deadline::after(-5s));
    c.set_write_deadline(deadline::never());
    std::byte b[1] = {};
    for (;;) {
      auto w = c.write(std::span<const std::byte>(b, 1));
      if (w.err) {
        err = w.err;
        break;
      }
    }
    returned = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(returned.load()) << "write returned: " << err.message();
  ASSERT_TRUE(c.close());
  t.join();
  EXPECT_EQ(err, errc::closed);
}

// TestWriteToTimeout: as WriteTimeout, for write_to on UDP (the kernel takes datagrams at
// once, so only the past deadline bites).
TEST(NetTimeoutTest, WriteToTimeout) {
  auto c1 = listen_packet("udp", "127.0.0.1:0");
  ASSERT_TRUE(c1);
  for (auto timeout : {std::chrono::milliseconds(-5000), std::chrono::milliseconds(10)}) {
    auto c2 = listen_packet("udp", "127.0.0.1:0");
    ASSERT_TRUE(c2);
    c2->set_write_deadline(deadline::after(timeout));
    for (int j = 0; j < 2; ++j) {
      for (;;) {
        auto w = c2->write_to(bytes("WRITETO TIMEOUT TEST"), c1->local_addr());
        if (!w.err) {
          ASSERT_GT(timeout, 0ms) << "wrote despite a past deadline";
          std::this_thread::sleep_for(timeout / 3);
          continue;
        }
        EXPECT_EQ(w.err, errc::timeout);
        EXPECT_EQ(w.n, 0u);
        break;
      }
    }
  }
}

// TestReadTimeoutFluctuation / TestReadFromTimeoutFluctuation / TestWriteTimeoutFluctuation:
// a 100 ms deadline fires well within a second.
TEST(NetTimeoutTest, ReadTimeoutFluctuation) {
  auto p = test::tcp4_pair();
  ASSERT_TRUE(p);
  p->dialed.set_read_deadline(deadline::after(100ms));
  auto start = clock::now();
  std::byte b[1];
  auto r = p->dialed.read(b);
  EXPECT_LT(clock::now() - start, 1s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::timeout);
}

TEST(NetTimeoutTest, ReadFromTimeoutFluctuation) {
  auto c1 = listen_packet("udp", "127.0.0.1:0");
  ASSERT_TRUE(c1);
  auto c2 = dial("udp", c1->local_addr().to_string());
  ASSERT_TRUE(c2);
  c2->set_read_deadline(deadline::after(100ms));
  auto start = clock::now();
  std::byte b[1];
  auto r = c2->read(b);
  EXPECT_LT(clock::now() - start, 1s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::timeout);
}

TEST(NetTimeoutTest, WriteTimeoutFluctuation) {
  auto p = test::tcp4_pair();
  ASSERT_TRUE(p);
  p->dialed.set_write_deadline(deadline::after(100ms));
  auto start = clock::now();
  std::vector<std::byte> chunk(64 << 10);
  io_result w;
  while (!w.err) w = p->dialed.write(chunk);  // the peer never reads
  EXPECT_LT(clock::now() - start, 1s + kSlack);
  EXPECT_EQ(w.err, errc::timeout);
}

// TestVariousDeadlines (short mode, plus a few milliseconds): copying from a connection
// that sends nothing ends with a timeout, whatever the deadline.
TEST(NetTimeoutTest, VariousDeadlines) {
  local_server ls([](listener& ln) {
    for (;;) {
      auto c = ln.accept();
      if (!c) return;
      std::byte b[1];
      c->set_read_deadline(deadline::after(10s));
      (void)c->read(b);  // wait for the client to close
    }
  });
  for (auto timeout :
       {std::chrono::nanoseconds(1), std::chrono::nanoseconds(2), std::chrono::nanoseconds(5),
        std::chrono::nanoseconds(50), std::chrono::nanoseconds(100), std::chrono::nanoseconds(200),
        std::chrono::nanoseconds(500), std::chrono::nanoseconds(750), std::chrono::nanoseconds(1us),
        std::chrono::nanoseconds(5us), std::chrono::nanoseconds(25us),
        std::chrono::nanoseconds(250us), std::chrono::nanoseconds(500us),
        std::chrono::nanoseconds(1ms), std::chrono::nanoseconds(5ms),
        std::chrono::nanoseconds(100ms)}) {
    auto c = dial_timeout("tcp", ls.address(), 5s);
    ASSERT_TRUE(c) << c.error().what();
    auto t0 = clock::now();
    c->set_deadline(deadline(t0 + timeout));
    std::byte buf[1024];
    std::error_code err;
    for (;;) {
      auto r = c->read(buf);
      if (!r) {
        err = r.error();
        break;
      }
    }
    auto dt = clock::now() - t0;
    EXPECT_EQ(err, errc::timeout) << timeout.count() << "ns";
    EXPECT_LT(dt, timeout + 5s) << "client stuck in dial+copy";
    (void)c->close();
  }
}

// TestReadWriteProlongedTimeout: deadlines moved later on every call while reading and
// writing concurrently cause no error.
TEST(NetTimeoutTest, ReadWriteProlongedTimeout) {
  local_server ls([](listener& ln) {
    auto c = ln.accept();
    if (!c) return;
    scoped_thread reader([&] {
      std::byte b[1];
      for (;;) {
        c->set_read_deadline(deadline::after(1h));
        if (!c->read(b)) return;
      }
    });
    scoped_thread writer([&] {
      std::byte b[1] = {};
      for (;;) {
        c->set_write_deadline(deadline::after(1h));
        if (c->write(std::span<const std::byte>(b, 1)).err) return;
      }
    });
    reader.join();
    (void)c->close();  // ends the writer
  });
  auto c = dial_timeout("tcp", ls.address(), 5s);
  ASSERT_TRUE(c);
  c->set_deadline(deadline::after(30s));
  std::byte b[1] = {};
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(c->write(std::span<const std::byte>(b, 1)).err);
    EXPECT_TRUE(c->read(b));
  }
  (void)c->close();
}

// TestReadWriteDeadlineRace: deadlines of 2 us set over and over while reads and writes run.
TEST(NetTimeoutTest, ReadWriteDeadlineRace) {
  constexpr int kN = 200;
  auto p = test::tcp4_pair();
  ASSERT_TRUE(p);
  conn& c = p->dialed;
  scoped_thread setter([&] {
    for (int i = 0; i < kN; ++i) {
      c.set_read_deadline(deadline::after(2us));
      c.set_write_deadline(deadline::after(2us));
      std::this_thread::sleep_for(2us);
    }
  });
  scoped_thread reader([&] {
    std::byte b[1];
    for (int i = 0; i < kN; ++i) (void)c.read(b);
  });
  scoped_thread writer([&] {
    std::byte b[1] = {};
    for (int i = 0; i < kN; ++i) (void)c.write(std::span<const std::byte>(b, 1));
  });
}

// TestConcurrentSetDeadline: many threads moving the deadlines of many conns.
TEST(NetTimeoutTest, ConcurrentSetDeadline) {
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  constexpr int kThreads = 8, kConns = 10, kTries = 100;
  std::vector<conn> cs;
  for (int i = 0; i < kConns; ++i) {
    auto c = dial_timeout("tcp", ln->addr().to_string(), 5s);
    ASSERT_TRUE(c);
    cs.push_back(std::move(*c));
  }
  auto now = clock::now();
  std::vector<scoped_thread> ts;
  for (int i = 0; i < kThreads; ++i) {
    ts.emplace_back([&, i] {
      for (int j = kTries; j > 0; --j) {
        for (int k = 0; k < kConns; ++k) {
          cs[k].set_read_deadline(deadline(now + 2h + std::chrono::seconds(i * j * k)));
          cs[k].set_write_deadline(deadline(now + 1h + std::chrono::seconds(i * j * k)));
        }
      }
    });
  }
}

}  // namespace
}  // namespace conduit::net
