// net::unix_conn: fd passing, peer credentials, socket pairs, abstract addresses.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <conduit/net/unix_conn.hpp>
#include <string>

#include "support/support.hpp"
#include "unit/net/net_helpers.hpp"

namespace conduit::net {
namespace {

using namespace std::chrono_literals;
using test::str;

std::pair<unix_conn, unix_conn> pair_of(std::string_view network = "unix") {
  auto p = unix_socket_pair(network);
  EXPECT_TRUE(p);
  p->first.set_deadline(deadline::after(20s));
  p->second.set_deadline(deadline::after(20s));
  return std::move(*p);
}

// A pipe whose read end will be passed; returns {read, write}.
std::pair<unique_fd, unique_fd> make_pipe() {
  int p[2];
  EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
  return {unique_fd(p[0]), unique_fd(p[1])};
}

TEST(UnixConnTest, SendsAnOpenFdThatTheReceiverCanUse) {
  auto [a, b] = pair_of();
  auto [rd, wr] = make_pipe();
  int fds[] = {rd.get()};
  auto s = a.send_fds("F", fds);
  ASSERT_FALSE(s.err) << s.err.message();
  EXPECT_EQ(s.n, 1u);
  rd.reset();  // the receiver's copy keeps the pipe open
  std::byte buf[8];
  auto got = b.recv_fds(buf, 4);
  ASSERT_TRUE(got) << got.err.message();
  EXPECT_EQ(got.n, 1u);
  ASSERT_EQ(got.fds.size(), 1u);
  EXPECT_NE(::fcntl(got.fds[0].get(), F_GETFD) & FD_CLOEXEC, 0) << "received fds are O_CLOEXEC";
  ASSERT_EQ(::write(wr.get(), "pipe", 4), 4);
  char tmp[8];
  EXPECT_EQ(::read(got.fds[0].get(), tmp, sizeof tmp), 4);
}

TEST(UnixConnTest, SendsSeveralFdsWithLongData) {
  auto [a, b] = pair_of();
  auto p1 = make_pipe();
  auto p2 = make_pipe();
  int fds[] = {p1.first.get(), p2.second.get()};
  std::string data(100000, 'd');
  io_result s;
  conduit::test::scoped_thread sender([&] { s = a.send_fds(data, fds); });
  std::vector<std::byte> buf(200000);
  auto got = b.recv_fds(buf, 8);
  ASSERT_TRUE(got) << got.err.message();
  EXPECT_EQ(got.fds.size(), 2u);
  std::size_t total = got.n;
  while (total < data.size()) {
    auto r = b.read(buf);
    ASSERT_TRUE(r);
    total += *r;
  }
  sender.join();
  EXPECT_EQ(s.n, data.size());
  EXPECT_EQ(total, data.size());
}

TEST(UnixConnTest, TooManyFdsForTheReceiverIsReportedAndNoneLeak) {
  auto [a, b] = pair_of();
  auto p1 = make_pipe();
  int fds[] = {p1.first.get(), p1.second.get(), p1.first.get()};
  ASSERT_FALSE(a.send_fds("x", fds).err);
  std::byte buf[4];
  auto got = b.recv_fds(buf, 1);
  EXPECT_EQ(got.err, errc::message_too_large);
  EXPECT_EQ(got.n, 1u) << "the data still arrived";
  EXPECT_LE(got.fds.size(), 1u) << "the ones that fit are owned; the kernel closed the rest";
  // The test main's fd count check catches any leak.
}

TEST(UnixConnTest, ZeroMaxFdsRejectsAnyFdSent) {
  auto [a, b] = pair_of();
  auto p1 = make_pipe();
  int fds[] = {p1.first.get()};
  ASSERT_FALSE(a.send_fds("x", fds).err);
  std::byte buf[4];
  auto got = b.recv_fds(buf, 0);
  EXPECT_EQ(got.err, errc::message_too_large);
  EXPECT_TRUE(got.fds.empty());
}

TEST(UnixConnTest, PlainReadDropsPassedFdsWithoutLeaking) {
  auto [a, b] = pair_of();
  auto p1 = make_pipe();
  int fds[] = {p1.first.get()};
  ASSERT_FALSE(a.send_fds("x", fds).err);
  std::byte buf[4];
  auto r = b.read(buf);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 1u);
}

TEST(UnixConnTest, BadArgumentsAreRejected) {
  auto [a, b] = pair_of();
  int fd = 0;
  EXPECT_EQ(a.send_fds(std::span<const std::byte>{}, {&fd, 1}).err, std::errc::invalid_argument);
  std::vector<int> many(254, 0);
  EXPECT_EQ(a.send_fds("x", many).err, std::errc::invalid_argument);
  EXPECT_EQ(b.recv_fds({}, 1).err, std::errc::invalid_argument);
  int bad[] = {1 << 20};
  EXPECT_EQ(a.send_fds("x", bad).err, std::errc::bad_file_descriptor);
}

TEST(UnixConnTest, RecvFdsSeesEofAfterClose) {
  auto [a, b] = pair_of();
  ASSERT_TRUE(a.close());
  std::byte buf[4];
  EXPECT_EQ(b.recv_fds(buf).err, errc::eof);
}

TEST(UnixConnTest, PeerCredentialsAreOurOwnProcess) {
  auto [a, b] = pair_of();
  auto cr = b.peer_credentials();
  ASSERT_TRUE(cr) << cr.error().message();
  EXPECT_EQ(cr->pid, ::getpid());
  EXPECT_EQ(cr->uid, ::getuid());
  EXPECT_EQ(cr->gid, ::getgid());
  ASSERT_TRUE(b.close());
  EXPECT_EQ(b.peer_credentials().error(), errc::closed);
}

TEST(UnixConnTest, PeerCredentialsOverADialedConnection) {
  auto p = test::unix_pair();
  ASSERT_TRUE(p);
  auto u = unix_conn::try_from(p->accepted);
  ASSERT_TRUE(u);
  auto cr = u->peer_credentials();
  ASSERT_TRUE(cr);
  EXPECT_EQ(cr->pid, ::getpid());
}

TEST(UnixConnTest, DatagramAndSeqpacketPairsKeepMessageBoundaries) {
  for (const char* network : {"unixgram", "unixpacket"}) {
    auto [a, b] = pair_of(network);
    EXPECT_EQ(a.network(), network);
    ASSERT_FALSE(a.write("one").err);
    ASSERT_FALSE(a.write("three").err);
    std::byte buf[16];
    auto r1 = b.read(buf);
    ASSERT_TRUE(r1);
    EXPECT_EQ(str({buf, *r1}), "one");
    auto r2 = b.read(buf);
    ASSERT_TRUE(r2);
    EXPECT_EQ(str({buf, *r2}), "three");
    ASSERT_FALSE(a.write("too long for it").err);
    std::byte small[4];
    auto r3 = b.read(small);
    ASSERT_FALSE(r3);
    EXPECT_EQ(r3.error(), errc::message_too_large) << network;
  }
}

TEST(UnixConnTest, SocketPairRejectsOtherNetworks) {
  EXPECT_EQ(unix_socket_pair("tcp").error(), std::errc::invalid_argument);
}

TEST(UnixConnTest, HalfCloseWorksOnUnixStreams) {
  auto [a, b] = pair_of();
  ASSERT_TRUE(a.close_write());
  std::byte buf[4];
  EXPECT_EQ(b.read(buf).error(), errc::eof);
  ASSERT_FALSE(b.write("ok").err);
  auto r = a.read(buf);
  ASSERT_TRUE(r);
  ASSERT_TRUE(a.close_read());
}

}  // namespace
}  // namespace conduit::net
