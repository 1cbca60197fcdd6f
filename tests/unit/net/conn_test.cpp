// net::conn: Go's net.Conn semantics over TCP loopback and Unix stream sockets.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <conduit/io/io.hpp>
#include <conduit/net/conn.hpp>
#include <conduit/net/tcp_conn.hpp>
#include <conduit/net/udp_conn.hpp>
#include <conduit/net/unix_conn.hpp>
#include <cstring>
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
using test::str;

class ConnTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    std::string kind = GetParam();
    p_ = kind == "tcp" ? test::tcp4_pair() : test::unix_pair();
    ASSERT_TRUE(p_);
    a().set_deadline(deadline::after(20s));
    b().set_deadline(deadline::after(20s));
  }
  conn& a() { return p_->dialed; }
  conn& b() { return p_->accepted; }
  std::optional<test::conn_pair> p_;
};

TEST_P(ConnTest, ReadReturnsWhatArrivedThenEofOnOrderlyClose) {
  auto w = a().write("hello");
  EXPECT_EQ(w.n, 5u);
  EXPECT_FALSE(w.err);
  ASSERT_TRUE(a().close());
  std::byte buf[64];
  auto r = b().read(buf);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(str({buf, *r}), "hello");
  auto e = b().read(buf);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error(), errc::eof);
}

TEST_P(ConnTest, ZeroLengthReadReturnsAtOnce) {
  auto r = b().read({});
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 0u);
}

TEST_P(ConnTest, WriteWritesEverythingPastTheSocketBuffers) {
  std::vector<std::byte> big(8 << 20);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::byte>(i * 7);
  std::vector<std::byte> got;
  scoped_thread reader([&] {
    std::vector<std::byte> buf(64 << 10);
    for (;;) {
      auto r = b().read(buf);
      if (!r) break;
      got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*r));
    }
  });
  auto w = a().write(big);
  EXPECT_EQ(w.n, big.size());
  EXPECT_FALSE(w.err);
  ASSERT_TRUE(a().close());
  reader.join();
  EXPECT_EQ(got, big);
}

TEST_P(ConnTest, ReadDeadlineTimesOutAndTheConnKeepsWorking) {
  b().set_read_deadline(deadline::after(50ms));
  std::byte buf[8];
  auto start = clock::now();
  auto r = b().read(buf);
  auto took = clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::timeout);
  EXPECT_GE(took, 50ms);
  EXPECT_LT(took, 50ms + kSlack);
  b().set_read_deadline(deadline::after(10s));
  ASSERT_FALSE(a().write("x").err);
  auto again = b().read(buf);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 1u);
}

TEST_P(ConnTest, PastDeadlineFailsEvenWithDataReady) {
  ASSERT_FALSE(a().write("ready").err);
  b().set_read_deadline(deadline::past());
  std::byte buf[8];
  auto r = b().read(buf);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::timeout);
  b().set_read_deadline(deadline::never());
  auto ok = b().read(buf);
  ASSERT_TRUE(ok);
  EXPECT_EQ(str({buf, *ok}), "ready");
}

TEST_P(ConnTest, DeadlineMovedEarlierWakesAPendingRead) {
  std::atomic<bool> started{false};
  result<std::size_t> r = std::size_t{0};
  scoped_thread reader([&] {
    std::byte buf[8];
    started = true;
    r = b().read(buf);
  });
  while (!started) std::this_thread::yield();
  std::this_thread::sleep_for(20ms);           // let it block
  b().set_read_deadline(deadline::after(1h));  // later: nothing happens
  auto start = clock::now();
  b().set_read_deadline(deadline::after(30ms));  // earlier: fires
  reader.join();
  EXPECT_LT(clock::now() - start, 30ms + kSlack);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::timeout);
}

TEST_P(ConnTest, CloseWakesPendingReadAndWriteWithClosed) {
  std::atomic<int> started{0};
  result<std::size_t> r = std::size_t{0};
  io_result w;
  scoped_thread reader([&] {
    std::byte buf[8];
    started++;
    r = a().read(buf);
  });
  scoped_thread writer([&] {
    std::vector<std::byte> big(64 << 20);
    started++;
    w = a().write(big);  // b never reads: blocks once the buffers fill
  });
  while (started != 2) std::this_thread::yield();
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(a().close());
  reader.join();
  writer.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::closed);
  EXPECT_EQ(w.err, errc::closed);
  EXPECT_LT(w.n, 64u << 20);
}

TEST_P(ConnTest, CallsAfterCloseFailWithClosed) {
  ASSERT_TRUE(a().close());
  std::byte buf[4];
  EXPECT_EQ(a().read(buf).error(), errc::closed);
  EXPECT_EQ(a().write("x").err, errc::closed);
  EXPECT_EQ(a().close().error(), errc::closed);
  EXPECT_FALSE(a().local_addr().empty()) << "addresses outlive close, as Go";
}

TEST_P(ConnTest, ReadAndWriteRunConcurrentlyFromTwoThreads) {
  constexpr int kRounds = 2000;
  scoped_thread echo([&] {
    std::byte buf[256];
    for (;;) {
      auto r = b().read(buf);
      if (!r) return;
      if (b().write(std::span<const std::byte>(buf, *r)).err) return;
    }
  });
  std::size_t received = 0;
  scoped_thread reader([&] {
    std::byte buf[4096];
    while (received < kRounds * 8u) {
      auto r = a().read(buf);
      if (!r) break;
      received += *r;
    }
  });
  for (int i = 0; i < kRounds; ++i) ASSERT_FALSE(a().write("01234567").err);
  reader.join();
  EXPECT_EQ(received, kRounds * 8u);
  ASSERT_TRUE(a().close());
}

TEST_P(ConnTest, WriteToAClosedPeerReturnsAnErrorNotSigpipe) {
  ASSERT_TRUE(b().close());
  std::vector<std::byte> chunk(64 << 10);
  std::error_code err;
  for (int i = 0; i < 100 && !err; ++i) err = a().write(chunk).err;
  EXPECT_TRUE(err == std::errc::broken_pipe || err == std::errc::connection_reset) << err.message();
}

TEST_P(ConnTest, AddressesAreFilledAndMirrored) {
  EXPECT_FALSE(a().local_addr().empty());
  EXPECT_EQ(a().network(), b().network());
  if (std::string(GetParam()) == "tcp") {
    EXPECT_EQ(a().network(), "tcp");
    EXPECT_EQ(a().local_addr(), b().remote_addr());
    EXPECT_EQ(a().remote_addr(), b().local_addr());
    EXPECT_EQ(a().remote_addr().as_tcp()->ip, ip::v4_loopback());
  } else {
    EXPECT_EQ(a().network(), "unix");
    EXPECT_EQ(b().local_addr().to_string(), a().remote_addr().to_string());
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, ConnTest, ::testing::Values("tcp", "unix"));

TEST(ConnEmptyTest, EveryCallFailsWithClosed) {
  conn c;
  EXPECT_FALSE(c.valid());
  std::byte buf[4];
  EXPECT_EQ(c.read(buf).error(), errc::closed);
  EXPECT_EQ(c.write("x").err, errc::closed);
  EXPECT_EQ(c.close().error(), errc::closed);
  EXPECT_TRUE(c.local_addr().empty());
  EXPECT_EQ(c.network(), "");
  c.set_deadline(deadline::past());  // no effect, no crash
}

TEST(ConnEmptyTest, MovedFromConnIsEmpty) {
  auto p = test::tcp4_pair();
  ASSERT_TRUE(p);
  conn moved = std::move(p->dialed);
  EXPECT_FALSE(p->dialed.valid());
  EXPECT_TRUE(moved.valid());
  EXPECT_FALSE(moved.write("x").err);
}

TEST(FileConnTest, WrapsASocketpairEnd) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  auto a = file_conn(unique_fd(sv[0]));
  auto b = file_conn(unique_fd(sv[1]));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->network(), "unix");
  EXPECT_NE(::fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
  ASSERT_FALSE(a->write("hi").err);
  std::byte buf[4];
  b->set_read_deadline(deadline::after(10s));
  auto r = b->read(buf);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 2u);
}

TEST(FileConnTest, RejectsANonSocket) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  ::close(p[1]);
  auto c = file_conn(unique_fd(p[0]));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), std::errc::not_a_socket);
}

}  // namespace
}  // namespace conduit::net

namespace conduit::net {
namespace {

TEST(ConnDupFdTest, DupFdIsTheSameSocketAndOutlivesNothing) {
  auto p = test::tcp4_pair();
  ASSERT_TRUE(p);
  auto d = p->dialed.dup_fd();
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_NE(d->get(), -1);
  EXPECT_NE(::fcntl(d->get(), F_GETFD) & FD_CLOEXEC, 0);
  ASSERT_EQ(::send(d->get(), "z", 1, MSG_NOSIGNAL), 1);
  std::byte b[1];
  p->accepted.set_read_deadline(deadline::after(10s));
  ASSERT_TRUE(p->accepted.read(b));
  EXPECT_EQ(b[0], std::byte{'z'});
  d->reset();  // closing the copy leaves the conn open
  EXPECT_FALSE(p->dialed.write("y").err);
  ASSERT_TRUE(p->dialed.close());
  EXPECT_EQ(p->dialed.dup_fd().error(), errc::closed);
}

}  // namespace
}  // namespace conduit::net

namespace conduit::net {
namespace {

// A conn is Go's io.Reader and io.Writer: conduit's io helpers take it as it is.
static_assert(io::reader<conn> && io::writer<conn>);
static_assert(io::reader<tcp_conn> && io::writer<unix_conn> && io::writer<udp_conn>);

TEST(ConnIoTest, ReadFullWorksOnAConn) {
  auto p = test::unix_pair();
  ASSERT_TRUE(p);
  ASSERT_FALSE(io::write_string(p->dialed, "0123456789").err);
  std::byte buf[10];
  p->accepted.set_read_deadline(deadline::after(10s));
  auto [n, err] = io::read_full(p->accepted, buf);
  EXPECT_FALSE(err);
  EXPECT_EQ(n, 10u);
}

}  // namespace
}  // namespace conduit::net
