// dial, dial_timeout, dialer: networks, errors worded as Go's, deadlines, local addresses.
#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <conduit/net/dial.hpp>
#include <conduit/net/listener.hpp>
#include <conduit/net/tcp_conn.hpp>

#include "net/resolver.hpp"
#include "support/support.hpp"
#include "unit/net/net_helpers.hpp"
#include "unit/net/socat.hpp"

namespace conduit::net {
namespace {

using namespace std::chrono_literals;
using conduit::test::kSlack;

// A port on 127.0.0.1 with nothing listening (bound, then closed).
std::string refused_address() {
  auto ln = listen("tcp", "127.0.0.1:0");
  EXPECT_TRUE(ln);
  std::string a = ln->addr().to_string();
  EXPECT_TRUE(ln->close());
  return a;
}

int int_option(const conn& c, int level, int name) {
  auto fd = c.dup_fd();
  EXPECT_TRUE(fd);
  int v = -1;
  socklen_t len = sizeof v;
  EXPECT_EQ(::getsockopt(fd->get(), level, name, &v, &len), 0);
  return v;
}

TEST(DialTest, ConnectsOverTcp4AndSetsNoDelayAndKeepAlive) {
  auto ln = listen("tcp4", "127.0.0.1:0");
  ASSERT_TRUE(ln) << ln.error().what();
  auto c = dial("tcp", ln->addr().to_string());
  ASSERT_TRUE(c) << c.error().what();
  EXPECT_EQ(c->network(), "tcp");
  EXPECT_EQ(c->remote_addr(), ln->addr());
  ASSERT_NE(c->local_addr().as_tcp(), nullptr);
  EXPECT_TRUE(c->local_addr().as_tcp()->ip.is_loopback());
  ln->set_deadline(deadline::after(10s));
  auto a = ln->accept();
  ASSERT_TRUE(a);
  for (const conn* x : {&*c, &*a}) {
    EXPECT_EQ(int_option(*x, IPPROTO_TCP, TCP_NODELAY), 1);
    EXPECT_EQ(int_option(*x, SOL_SOCKET, SO_KEEPALIVE), 1);
    EXPECT_EQ(int_option(*x, IPPROTO_TCP, TCP_KEEPIDLE), 15);
    EXPECT_EQ(int_option(*x, IPPROTO_TCP, TCP_KEEPINTVL), 15);
  }
  dialer no_ka{.keep_alive = -1s};
  auto quiet = no_ka.dial("tcp", ln->addr().to_string());
  ASSERT_TRUE(quiet);
  EXPECT_EQ(int_option(*quiet, SOL_SOCKET, SO_KEEPALIVE), 0);
  auto t = tcp_conn::try_from(*c);
  ASSERT_TRUE(t);
  ASSERT_TRUE(t->set_no_delay(false));
  EXPECT_EQ(int_option(*t, IPPROTO_TCP, TCP_NODELAY), 0);
}

TEST(DialTest, ConnectsOverTcp6WhenAvailable) {
  if (!test::ipv6_loopback_available()) GTEST_SKIP() << "::1 is not available here";
  auto ln = listen("tcp6", "[::1]:0");
  ASSERT_TRUE(ln);
  auto c = dial("tcp6", ln->addr().to_string());
  ASSERT_TRUE(c) << c.error().what();
  EXPECT_EQ(c->remote_addr().as_tcp()->ip, ip::v6_loopback());
}

TEST(DialTest, RefusedIsWordedAsGo) {
  std::string where = refused_address();
  auto c = dial("tcp", where);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), std::errc::connection_refused);
  EXPECT_EQ(c.error().what(), "dial tcp " + where + ": connect: connection refused");
  EXPECT_EQ(c.error().op(), "dial");
  EXPECT_EQ(c.error().net(), "tcp");
  EXPECT_EQ(c.error().addr(), where);
}

TEST(DialTest, UnknownNetworkAndBadAddressesAreClear) {
  EXPECT_EQ(dial("tcp5", "1.2.3.4:5").error().what(), "dial tcp5: unknown network tcp5");
  EXPECT_EQ(dial("tcp", "127.0.0.1").error().what(),
            "dial tcp: address 127.0.0.1: missing port in address");
  EXPECT_EQ(dial("tcp", "127.0.0.1:99999").error().what(), "dial tcp: address 99999: invalid port");
  EXPECT_EQ(dial("unix", "").error().what(), "dial unix: missing address");
  EXPECT_EQ(dial("tcp", "127.0.0.1:99999").error(), std::errc::invalid_argument);
}

TEST(DialTest, UnixPathThatDoesNotExist) {
  std::string p = test::temp_socket_path("nope");
  auto c = dial("unix", p);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(c.error().what(), "dial unix " + p + ": connect: no such file or directory");
}

TEST(DialTest, UnixPathTooLongIsAClearError) {
  std::string p = "/tmp/" + std::string(120, 'x');
  auto c = dial("unix", p);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), std::errc::filename_too_long);
  EXPECT_NE(c.error().what().find("path too long (125 bytes"), std::string::npos)
      << c.error().what();
}

TEST(DialTest, UnixAbstractAndSeqpacket) {
  std::string name = "@" + conduit::test::unique_name("conduit_dial");
  auto ln = listen("unixpacket", name);
  ASSERT_TRUE(ln) << ln.error().what();
  EXPECT_EQ(ln->addr().to_string(), name);
  auto c = dial("unixpacket", name);
  ASSERT_TRUE(c) << c.error().what();
  EXPECT_EQ(c->network(), "unixpacket");
  ln->set_deadline(deadline::after(10s));
  auto a = ln->accept();
  ASSERT_TRUE(a);
  ASSERT_FALSE(c->write("msg").err);
  std::byte buf[8];
  a->set_read_deadline(deadline::after(10s));
  auto r = a->read(buf);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 3u);
}

TEST(DialTest, UnixgramDialSendsToAPacketConn) {
  std::string p = test::temp_socket_path("gram");
  auto pc = listen_packet("unixgram", p);
  ASSERT_TRUE(pc) << pc.error().what();
  auto c = dial("unixgram", p);
  ASSERT_TRUE(c) << c.error().what();
  ASSERT_FALSE(c->write("dgram").err);
  std::byte buf[16];
  pc->set_read_deadline(deadline::after(10s));
  auto r = pc->read_from(buf);
  ASSERT_TRUE(r);
  EXPECT_EQ(r.n, 5u);
}

TEST(DialTest, PastDeadlinesAndNegativeTimeoutsFailAtOnce) {
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  std::string where = ln->addr().to_string();
  dialer cases[] = {
      {.timeout = -5s},
      {.deadline = deadline::after(-5s)},
      {.timeout = -5s, .deadline = deadline::after(5s)},
      {.timeout = std::chrono::nanoseconds::min()},
      {.deadline = deadline::past()},
  };
  for (auto& d : cases) {
    auto start = clock::now();
    auto c = d.dial("tcp", where);
    EXPECT_LT(clock::now() - start, 100ms + kSlack);
    ASSERT_FALSE(c);
    EXPECT_TRUE(c.error().timeout()) << c.error().what();
    EXPECT_EQ(c.error().what(), "dial tcp " + where + ": i/o timeout");
  }
}

TEST(DialTest, HugeTimeoutsDoNotOverflow) {
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  dialer a{.timeout = std::chrono::nanoseconds::max()};
  EXPECT_TRUE(a.dial("tcp", ln->addr().to_string()));
  dialer b{.deadline = deadline::after(std::chrono::hours(24 * 365 * 200))};
  EXPECT_TRUE(b.dial("tcp", ln->addr().to_string()));
}

TEST(DialTest, LocalAddressIsBound) {
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  // A free port for the local end: bind one, close it, use it.
  auto probe = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(probe);
  std::uint16_t port = probe->addr().as_tcp()->port;
  ASSERT_TRUE(probe->close());
  dialer d{.local_addr = tcp_addr{ip::v4_loopback(), port}};
  auto c = d.dial("tcp", ln->addr().to_string());
  ASSERT_TRUE(c) << c.error().what();
  EXPECT_EQ(c->local_addr().as_tcp()->port, port);
  dialer wrong{.local_addr = udp_addr{ip::v4_loopback(), 0}};
  auto w = wrong.dial("tcp", ln->addr().to_string());
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error(), std::errc::invalid_argument);
}

TEST(DialTest, LocalAddressInUseNamesSourceAndSyscall) {
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  auto first = dial("tcp", ln->addr().to_string());
  ASSERT_TRUE(first);
  // Binding the port of an established connection to the same destination fails.
  dialer d{.local_addr = first->local_addr()};
  auto c = d.dial("tcp", ln->addr().to_string());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().source(), first->local_addr().to_string());
  EXPECT_NE(c.error().what().find("->" + ln->addr().to_string() + ": "), std::string::npos)
      << c.error().what();
}

TEST(DialTest, TriesEachResolvedAddressInTurn) {
  // "localhost" may give several addresses; whichever order, the one listening wins.
  auto ln = listen("tcp4", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  auto c = dial_timeout("tcp", "localhost:" + std::to_string(ln->addr().as_tcp()->port), 10s);
  ASSERT_TRUE(c) << c.error().what();
  EXPECT_TRUE(c->remote_addr().as_tcp()->ip.is_loopback());
}

TEST(DialTest, EmptyHostDialsTheLocalSystem) {
  auto ln = listen("tcp4", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  auto c = dial("tcp", ":" + std::to_string(ln->addr().as_tcp()->port));
  ASSERT_TRUE(c) << c.error().what();
}

TEST(DialTest, UdpDialNeedsNoPeer) {
  auto c = dial("udp4", "127.0.0.1:9");
  ASSERT_TRUE(c) << c.error().what();
  EXPECT_EQ(c->network(), "udp");
  EXPECT_EQ(c->remote_addr().to_string(), "127.0.0.1:9");
}

TEST(DialTest, ServiceNameInTheAddress) {
  // Nothing listens on 127.0.0.1:echo (7) here, probably; either way it resolved.
  auto c = dial_timeout("tcp", "127.0.0.1:echo", 5s);
  if (!c) {
    EXPECT_NE(c.error().what().find("127.0.0.1:7"), std::string::npos) << c.error().what();
  }
}

}  // namespace
}  // namespace conduit::net

// A real server no one here wrote: a conduit client against a socat echo server.
namespace conduit::net {
namespace {

using namespace std::chrono_literals;

// Starts `socat -d -d <listen_address> PIPE` (an echo server) and waits until it says it is
// ready ("listening on" for streams, "receiving on" for UDP).
std::unique_ptr<test::socat_process> start_socat_echo(const std::string& listen_address,
                                                      std::string_view ready = "listening on") {
  auto s = test::socat_process::start({"-d", "-d", listen_address, "PIPE"});
  if (!s) {
    ADD_FAILURE() << "could not start socat";
    return nullptr;
  }
  if (!s->wait_stderr_for(ready, deadline::after(20s))) {
    ADD_FAILURE() << "socat did not start listening: " << s->stderr_text();
    return nullptr;
  }
  return s;
}

void echo_round_trip(conn& c) {
  c.set_deadline(deadline::after(20s));
  const std::string msg(100000, 'z');  // larger than one socket buffer write, not a bulk test
  io_result w;
  conduit::test::scoped_thread writer([&] { w = c.write(msg); });
  std::string back;
  std::byte buf[8192];
  while (back.size() < msg.size()) {
    auto r = c.read(buf);
    ASSERT_TRUE(r) << r.error().message();
    back.append(reinterpret_cast<const char*>(buf), *r);
  }
  writer.join();
  EXPECT_FALSE(w.err);
  EXPECT_EQ(back, msg);
}

TEST(DialSocatTest, ConduitClientTalksToASocatTcpEchoServer) {
  if (!test::socat_available()) GTEST_SKIP() << "socat is not installed";
  // A free port: bind one, note it, release it for socat.
  auto probe = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(probe);
  std::uint16_t port = probe->addr().as_tcp()->port;
  ASSERT_TRUE(probe->close());
  auto s = start_socat_echo("TCP4-LISTEN:" + std::to_string(port) + ",bind=127.0.0.1,reuseaddr");
  ASSERT_TRUE(s);
  auto c = dial_timeout("tcp", "127.0.0.1:" + std::to_string(port), 10s);
  ASSERT_TRUE(c) << c.error().what();
  echo_round_trip(*c);
  auto t = tcp_conn::try_from(*c);
  ASSERT_TRUE(t);
  ASSERT_TRUE(t->close_write());  // socat sees eof, ends the transfer and exits
  std::byte b[1];
  EXPECT_EQ(t->read(b).error(), errc::eof);
  auto st = s->wait(deadline::after(20s));
  ASSERT_TRUE(st);
  EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 0) << s->stderr_text();
}

TEST(DialSocatTest, ConduitClientTalksToASocatUnixEchoServer) {
  if (!test::socat_available()) GTEST_SKIP() << "socat is not installed";
  std::string path = test::temp_socket_path("socat_echo");
  auto s = start_socat_echo("UNIX-LISTEN:" + path);
  ASSERT_TRUE(s);
  auto c = dial_timeout("unix", path, 10s);
  ASSERT_TRUE(c) << c.error().what();
  echo_round_trip(*c);
  ASSERT_TRUE(c->close());
  auto st = s->wait(deadline::after(20s));
  ASSERT_TRUE(st);
  EXPECT_TRUE(WIFEXITED(*st)) << s->stderr_text();
  ::unlink(path.c_str());
}

TEST(DialSocatTest, ConduitUdpTalksToASocatUdpEchoServer) {
  if (!test::socat_available()) GTEST_SKIP() << "socat is not installed";
  auto probe = listen_packet("udp", "127.0.0.1:0");
  ASSERT_TRUE(probe);
  std::uint16_t port = probe->local_addr().as_udp()->port;
  ASSERT_TRUE(probe->close());
  auto s =
      start_socat_echo("UDP4-RECVFROM:" + std::to_string(port) + ",bind=127.0.0.1", "receiving on");
  ASSERT_TRUE(s);
  auto c = dial("udp", "127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(c);
  c->set_deadline(deadline::after(20s));
  ASSERT_FALSE(c->write("datagram").err);
  std::byte buf[64];
  auto r = c->read(buf);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(test::str({buf, *r}), "datagram");
}

}  // namespace
}  // namespace conduit::net

// Dialing a name: every address in turn, and the deadline covers the lookup.
namespace conduit::net {
namespace {

using namespace std::chrono_literals;

std::atomic<bool> g_lookup_release{false};

// Resolves any name to ::1 then 127.0.0.1 (two real getaddrinfo lists, chained: glibc's
// freeaddrinfo frees node by node).
int two_addresses(const char*, const char* service, const addrinfo* hints, addrinfo** res) {
  addrinfo h = *hints;
  h.ai_flags |= AI_NUMERICHOST;
  h.ai_family = AF_UNSPEC;
  addrinfo* v6 = nullptr;
  addrinfo* v4 = nullptr;
  if (int rc = ::getaddrinfo("127.0.0.1", service, &h, &v4); rc != 0) return rc;
  if (::getaddrinfo("::1", service, &h, &v6) != 0 || v6 == nullptr) {
    *res = v4;
    return 0;
  }
  addrinfo* last = v6;
  while (last->ai_next != nullptr) last = last->ai_next;
  last->ai_next = v4;
  *res = v6;
  return 0;
}

int stuck_lookup(const char*, const char* service, const addrinfo* hints, addrinfo** res) {
  g_lookup_release.wait(false);
  return ::getaddrinfo("127.0.0.1", service, hints, res);
}

struct lookup_hook {
  explicit lookup_hook(internal::getaddrinfo_fn f) {
    g_lookup_release = false;
    internal::set_getaddrinfo_hook(f);
  }
  ~lookup_hook() {
    g_lookup_release = true;
    g_lookup_release.notify_all();
    internal::set_getaddrinfo_hook(nullptr);
  }
};

TEST(DialNameTest, TriesTheNextAddressWhenTheFirstFails) {
  auto ln = listen("tcp4", "127.0.0.1:0");  // only IPv4 listens: ::1 is refused (or absent)
  ASSERT_TRUE(ln);
  lookup_hook h(two_addresses);
  auto c = dial_timeout("tcp", "two.example:" + std::to_string(ln->addr().as_tcp()->port), 10s);
  ASSERT_TRUE(c) << c.error().what();
  EXPECT_EQ(c->remote_addr(), ln->addr());
}

TEST(DialNameTest, AllAddressesFailingReportsTheFirst) {
  auto ln = listen("tcp4", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  std::string port = std::to_string(ln->addr().as_tcp()->port);
  ASSERT_TRUE(ln->close());
  lookup_hook h(two_addresses);
  auto c = dial_timeout("tcp", "two.example:" + port, 10s);
  ASSERT_FALSE(c);
  // ::1 came first; on a machine without it the error is its own (EADDRNOTAVAIL, ...).
  EXPECT_EQ(c.error().addr(), "[::1]:" + port) << c.error().what();
}

TEST(DialNameTest, TheDeadlineCoversASlowLookup) {
  lookup_hook h(stuck_lookup);
  auto start = clock::now();
  auto c = dial_timeout("tcp", "slow.example:80", 100ms);
  ASSERT_FALSE(c);
  EXPECT_TRUE(c.error().timeout());
  EXPECT_EQ(c.error().what(), "dial tcp: lookup slow.example: i/o timeout");
  EXPECT_LT(clock::now() - start, 100ms + conduit::test::kSlack);
}

}  // namespace
}  // namespace conduit::net
