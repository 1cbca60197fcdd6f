// listen, listen_config, listener: accept with deadlines and close, Unix socket files.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <conduit/net/listener.hpp>
#include <conduit/net/tcp_conn.hpp>
#include <thread>

#include "support/support.hpp"
#include "unit/net/net_helpers.hpp"
#include "unit/net/socat.hpp"

namespace conduit::net {
namespace {

using namespace std::chrono_literals;
using conduit::test::kSlack;
using conduit::test::scoped_thread;

bool exists(const std::string& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0;
}

TEST(ListenerTest, TcpListenerReportsTheChosenPort) {
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln) << ln.error().what();
  EXPECT_EQ(ln->network(), "tcp");
  ASSERT_NE(ln->addr().as_tcp(), nullptr);
  EXPECT_NE(ln->addr().as_tcp()->port, 0);
  EXPECT_EQ(ln->addr().as_tcp()->ip, ip::v4_loopback());
}

TEST(ListenerTest, AcceptedConnIsATcpConnWithAddresses) {
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  auto c = dial("tcp", ln->addr().to_string());
  ASSERT_TRUE(c);
  ln->set_deadline(deadline::after(10s));
  auto a = ln->accept();
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->remote_addr(), c->local_addr());
  EXPECT_EQ(a->local_addr(), ln->addr());
  EXPECT_TRUE(tcp_conn::try_from(*a));
}

TEST(ListenerTest, AcceptDeadlineInThePastFailsEvenWithAConnectionWaiting) {
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  auto c = dial("tcp", ln->addr().to_string());
  ASSERT_TRUE(c);
  ln->set_deadline(deadline::past());
  auto a = ln->accept();
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error(), errc::timeout);
  ln->set_deadline(deadline::after(10s));
  EXPECT_TRUE(ln->accept()) << "the connection stayed in the backlog";
}

TEST(ListenerTest, AcceptDeadlineFiresWithinSlack) {
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  ln->set_deadline(deadline::after(50ms));
  auto start = clock::now();
  auto a = ln->accept();
  auto took = clock::now() - start;
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error(), errc::timeout);
  EXPECT_GE(took, 50ms);
  EXPECT_LT(took, 50ms + kSlack);
}

TEST(ListenerTest, CloseWakesAPendingAccept) {
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  std::atomic<bool> started{false};
  result<conn> a = fail(errc::eof);
  scoped_thread t([&] {
    started = true;
    a = ln->accept();
  });
  while (!started) std::this_thread::yield();
  std::this_thread::sleep_for(30ms);
  auto start = clock::now();
  ASSERT_TRUE(ln->close());
  t.join();
  EXPECT_LT(clock::now() - start, 100ms + kSlack);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error(), errc::closed);
  EXPECT_EQ(ln->close().error(), errc::closed);
  EXPECT_EQ(ln->accept().error(), errc::closed);
}

TEST(ListenerTest, AddressInUseIsWordedAsGo) {
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  auto again = listen("tcp", ln->addr().to_string());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), std::errc::address_in_use);
  EXPECT_EQ(again.error().what(),
            "listen tcp " + ln->addr().to_string() + ": bind: address already in use");
}

TEST(ListenerTest, EmptyHostListensOnEveryInterface) {
  auto ln = listen("tcp", ":0");
  ASSERT_TRUE(ln) << ln.error().what();
  EXPECT_TRUE(ln->addr().as_tcp()->ip.is_unspecified());
  // Reachable over IPv4 loopback whichever family the socket is (dual-stack).
  auto c = dial("tcp4", "127.0.0.1:" + std::to_string(ln->addr().as_tcp()->port));
  ASSERT_TRUE(c) << c.error().what();
  ln->set_deadline(deadline::after(10s));
  auto a = ln->accept();
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->remote_addr().as_tcp()->ip.is_v4()) << "IPv4-mapped peers are unmapped";
}

TEST(ListenerTest, UnknownNetworksAreRejected) {
  EXPECT_EQ(listen("udp", "127.0.0.1:0").error().what(), "listen udp: unknown network udp");
  EXPECT_EQ(listen("unixgram", "/tmp/x").error(), std::errc::invalid_argument);
}

TEST(ListenerTest, UnixSocketFileIsMode0600AndRemovedOnClose) {
  std::string p = test::temp_socket_path("ln");
  mode_t old = ::umask(0);  // the mode must not depend on the umask
  auto ln = listen("unix", p);
  ::umask(old);
  ASSERT_TRUE(ln) << ln.error().what();
  EXPECT_EQ(ln->addr().to_string(), p);
  EXPECT_EQ(ln->network(), "unix");
  struct stat st {};
  ASSERT_EQ(::lstat(p.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(ln->close());
  EXPECT_FALSE(exists(p));
}

TEST(ListenerTest, UnixModeCanBeAskedFor) {
  std::string p = test::temp_socket_path("mode");
  listen_config cfg{.unix_mode = 0660};
  auto ln = cfg.listen("unix", p);
  ASSERT_TRUE(ln);
  struct stat st {};
  ASSERT_EQ(::lstat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
}

TEST(ListenerTest, DestructorRemovesTheFileToo) {
  std::string p = test::temp_socket_path("dtor");
  {
    auto ln = listen("unix", p);
    ASSERT_TRUE(ln);
    EXPECT_TRUE(exists(p));
  }
  EXPECT_FALSE(exists(p));
}

TEST(ListenerTest, UnlinkCanBeTurnedOff) {
  std::string p = test::temp_socket_path("keep");
  {
    listen_config cfg{.unix_unlink_on_close = false};
    auto ln = cfg.listen("unix", p);
    ASSERT_TRUE(ln);
  }
  EXPECT_TRUE(exists(p));
  ::unlink(p.c_str());
}

TEST(ListenerTest, AFileReplacedAfterListenIsNotRemoved) {
  std::string p = test::temp_socket_path("replaced");
  auto ln = listen("unix", p);
  ASSERT_TRUE(ln);
  ASSERT_EQ(::unlink(p.c_str()), 0);
  FILE* f = std::fopen(p.c_str(), "we");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  ASSERT_TRUE(ln->close());
  EXPECT_TRUE(exists(p)) << "someone else's file stays";
  ::unlink(p.c_str());
}

TEST(ListenerTest, StaleSocketFileIsReportedClearly) {
  std::string p = test::temp_socket_path("stale");
  {
    listen_config cfg{.unix_unlink_on_close = false};
    auto ln = cfg.listen("unix", p);  // closed without removing: a stale file
    ASSERT_TRUE(ln);
  }
  auto again = listen("unix", p);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), std::errc::address_in_use);
  EXPECT_EQ(again.error().what(),
            "listen unix " + p +
                ": bind: address already in use (a stale socket file: nothing accepts on it; "
                "remove it first)");
  EXPECT_TRUE(exists(p)) << "never removed for the caller";
  ::unlink(p.c_str());
}

TEST(ListenerTest, PathInUseByALiveListenerOrAFileIsExplained) {
  std::string p = test::temp_socket_path("live");
  auto ln = listen("unix", p);
  ASSERT_TRUE(ln);
  auto again = listen("unix", p);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().what().find("(another socket is listening on it)"), std::string::npos)
      << again.error().what();
  std::string f = test::temp_socket_path("file");
  FILE* fp = std::fopen(f.c_str(), "we");
  ASSERT_NE(fp, nullptr);
  std::fclose(fp);
  auto on_file = listen("unix", f);
  ASSERT_FALSE(on_file);
  EXPECT_NE(on_file.error().what().find("(the path exists and is not a socket)"),
            std::string::npos);
  ::unlink(f.c_str());
}

TEST(ListenerTest, PathTooLongIsAClearError) {
  std::string p = "/tmp/" + std::string(110, 'y');
  auto ln = listen("unix", p);
  ASSERT_FALSE(ln);
  EXPECT_EQ(ln.error(), std::errc::filename_too_long);
  EXPECT_EQ(ln.error().what(), "listen unix " + p +
                                   ": path too long (115 bytes; a Unix socket address holds at "
                                   "most 107)");
}

TEST(ListenerTest, AbstractNamesMakeNoFile) {
  std::string name = "@" + conduit::test::unique_name("conduit_abstract");
  auto ln = listen("unix", name);
  ASSERT_TRUE(ln) << ln.error().what();
  EXPECT_EQ(ln->addr().to_string(), name);
  auto c = dial("unix", name);
  ASSERT_TRUE(c) << c.error().what();
  ASSERT_TRUE(ln->close());
}

TEST(ListenerTest, EmptyUnixAddressAutobindsAnAbstractName) {
  auto ln = listen("unix", "");
  ASSERT_TRUE(ln) << ln.error().what();
  std::string name = ln->addr().to_string();
  ASSERT_FALSE(name.empty());
  EXPECT_EQ(name[0], '@');
  auto c = dial("unix", name);
  EXPECT_TRUE(c) << c.error().what();
}

TEST(ListenerTest, ConcurrentAcceptsEachGetOneConnection) {
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  ln->set_deadline(deadline::after(20s));
  std::atomic<int> ok{0};
  std::vector<scoped_thread> ts;
  for (int i = 0; i < 4; ++i) {
    ts.emplace_back([&] {
      if (ln->accept()) ok++;
    });
  }
  std::vector<conn> clients;
  for (int i = 0; i < 4; ++i) {
    auto c = dial("tcp", ln->addr().to_string());
    ASSERT_TRUE(c);
    clients.push_back(std::move(*c));
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 4);
}

TEST(ListenerTest, EmptyListenerFailsClosed) {
  listener ln;
  EXPECT_FALSE(ln.valid());
  EXPECT_EQ(ln.accept().error(), errc::closed);
  EXPECT_EQ(ln.close().error(), errc::closed);
  EXPECT_TRUE(ln.addr().empty());
}

TEST(ListenerTest, MoveAssignmentClosesTheOldListener) {
  std::string p = test::temp_socket_path("moved");
  auto a = listen("unix", p);
  ASSERT_TRUE(a);
  auto b = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(b);
  *a = std::move(*b);
  EXPECT_FALSE(exists(p));
  EXPECT_EQ(a->network(), "tcp");
}

}  // namespace
}  // namespace conduit::net

// A real client no one here wrote: socat talks to conduit servers.
namespace conduit::net {
namespace {

using namespace std::chrono_literals;

// Echoes one connection until eof, then closes it.
void echo_one(listener& ln) {
  ln.set_deadline(deadline::after(20s));
  auto c = ln.accept();
  if (!c) return;
  c->set_deadline(deadline::after(20s));
  std::byte buf[4096];
  for (;;) {
    auto r = c->read(buf);
    if (!r) break;
    if (c->write(std::span<const std::byte>(buf, *r)).err) break;
  }
}

void socat_client_round_trip(listener& ln, const std::string& socat_address) {
  conduit::test::scoped_thread server([&] { echo_one(ln); });
  auto s = test::socat_process::start({"-t", "5", "-", socat_address});
  ASSERT_TRUE(s) << "could not start socat";
  const std::string msg = "hello from socat\nsecond line\n";
  ASSERT_TRUE(s->send(msg, /*close=*/true, deadline::after(20s)));
  EXPECT_EQ(s->read_stdout(deadline::after(20s)), msg);
  auto st = s->wait(deadline::after(20s));
  ASSERT_TRUE(st) << "socat did not exit";
  EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 0) << "status " << *st;
}

TEST(ListenerSocatTest, SocatClientTalksToAConduitTcpServer) {
  if (!test::socat_available()) GTEST_SKIP() << "socat is not installed";
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  socat_client_round_trip(*ln, "TCP4:" + ln->addr().to_string());
}

TEST(ListenerSocatTest, SocatClientTalksToAConduitUnixServer) {
  if (!test::socat_available()) GTEST_SKIP() << "socat is not installed";
  auto ln = listen("unix", test::temp_socket_path("socat_srv"));
  ASSERT_TRUE(ln);
  socat_client_round_trip(*ln, "UNIX-CONNECT:" + ln->addr().to_string());
}

TEST(ListenerSocatTest, SocatClientTalksToAConduitIpv6Server) {
  if (!test::socat_available()) GTEST_SKIP() << "socat is not installed";
  if (!test::ipv6_loopback_available()) GTEST_SKIP() << "no ::1";
  auto ln = listen("tcp6", "[::1]:0");
  ASSERT_TRUE(ln);
  socat_client_round_trip(*ln, "TCP6:" + ln->addr().to_string());
}

}  // namespace
}  // namespace conduit::net
