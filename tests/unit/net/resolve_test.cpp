// Resolution: numeric addresses never reach getaddrinfo; names go to a helper thread and
// the caller's deadline bounds the wait.
#include <gtest/gtest.h>
#include <netdb.h>

#include <atomic>
#include <conduit/net/resolve.hpp>
#include <thread>

#include "net/resolver.hpp"
#include "support/support.hpp"

namespace conduit::net {
namespace {

using namespace std::chrono_literals;

std::atomic<int> g_calls{0};
std::atomic<bool> g_release{false};

int counting_getaddrinfo(const char* h, const char* s, const addrinfo* hints, addrinfo** res) {
  g_calls.fetch_add(1);
  return ::getaddrinfo(h, s, hints, res);
}

// A resolver that hangs until released (no sleeping on the test side: the test waits on
// its own deadline, then releases).
int stuck_getaddrinfo(const char*, const char* s, const addrinfo* hints, addrinfo** res) {
  g_calls.fetch_add(1);
  g_release.wait(false);
  return ::getaddrinfo("127.0.0.1", s, hints, res);
}

void release() {
  g_release = true;
  g_release.notify_all();
}

struct hook_guard {
  explicit hook_guard(internal::getaddrinfo_fn f) {
    g_calls = 0;
    g_release = false;
    internal::set_getaddrinfo_hook(f);
  }
  ~hook_guard() {
    release();
    internal::set_getaddrinfo_hook(nullptr);
  }
};

TEST(ResolveTest, NumericAddressesNeverCallGetaddrinfo) {
  hook_guard g(counting_getaddrinfo);
  auto a = resolve_tcp_addr("tcp", "127.0.0.1:80");
  ASSERT_TRUE(a) << a.error().what();
  EXPECT_EQ(a->to_string(), "127.0.0.1:80");
  auto b = resolve_udp_addr("udp6", "[::1]:53");
  ASSERT_TRUE(b) << b.error().what();
  EXPECT_EQ(b->to_string(), "[::1]:53");
  auto c = resolve_tcp_addr("tcp", ":8080");
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->ip.is_valid());
  EXPECT_EQ(c->port, 8080);
  ASSERT_TRUE(lookup_ip("10.1.2.3"));
  EXPECT_EQ(g_calls.load(), 0);
}

TEST(ResolveTest, LocalhostResolvesThroughTheHelper) {
  hook_guard g(counting_getaddrinfo);
  auto a = resolve_tcp_addr("tcp4", "localhost:81", deadline::after(10s));
  ASSERT_TRUE(a) << a.error().what();
  EXPECT_TRUE(a->ip.is_loopback());
  EXPECT_EQ(a->port, 81);
  EXPECT_EQ(g_calls.load(), 1);
}

TEST(ResolveTest, ServiceNamesResolve) {
  auto p = lookup_port("tcp", "http", deadline::after(10s));
  ASSERT_TRUE(p) << p.error().what();
  EXPECT_EQ(*p, 80);
  auto a = resolve_tcp_addr("tcp", "127.0.0.1:https", deadline::after(10s));
  ASSERT_TRUE(a) << a.error().what();
  EXPECT_EQ(a->port, 443);
  auto u = resolve_udp_addr("udp", "127.0.0.1:domain", deadline::after(10s));
  ASSERT_TRUE(u) << u.error().what();
  EXPECT_EQ(u->port, 53);
}

TEST(ResolveTest, UnknownServiceIsReportedAsGo) {
  auto p = lookup_port("tcp", "no-such-service-x", deadline::after(10s));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().what(), "lookup tcp/no-such-service-x: unknown port");
}

TEST(ResolveTest, BadInputIsInvalidArgument) {
  EXPECT_EQ(resolve_tcp_addr("tcp5", "1.2.3.4:5").error().what(), "unknown network tcp5");
  EXPECT_EQ(resolve_tcp_addr("udp", "1.2.3.4:5").error(), std::errc::invalid_argument);
  EXPECT_EQ(resolve_tcp_addr("tcp", "1.2.3.4").error().what(),
            "address 1.2.3.4: missing port in address");
  EXPECT_EQ(resolve_tcp_addr("tcp", "1.2.3.4:70000").error().what(), "address 70000: invalid port");
  EXPECT_EQ(resolve_tcp_addr("tcp4", "[::1]:80").error().what(),
            "address ::1: no suitable address found");
  EXPECT_EQ(resolve_tcp_addr("tcp6", "127.0.0.1:80").error(), std::errc::invalid_argument);
}

TEST(ResolveTest, UnixAddressesAreCheckedNotLookedUp) {
  auto a = resolve_unix_addr("unixgram", "/tmp/x.sock");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->network(), "unixgram");
  EXPECT_TRUE(resolve_unix_addr("unix", "@abstract"));
  EXPECT_TRUE(resolve_unix_addr("unix", std::string(107, 'a')));
  auto too_long = resolve_unix_addr("unix", std::string(108, 'a'));
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error(), std::errc::filename_too_long);
  EXPECT_NE(too_long.error().what().find("path too long"), std::string::npos);
  EXPECT_EQ(resolve_unix_addr("tcp", "/x").error(), std::errc::invalid_argument);
}

TEST(ResolveTest, ASlowResolverIsBoundedByTheDeadline) {
  hook_guard g(stuck_getaddrinfo);
  auto start = clock::now();
  auto a = resolve_tcp_addr("tcp", "slow.example:80", deadline::after(100ms));
  auto took = clock::now() - start;
  ASSERT_FALSE(a);
  EXPECT_TRUE(a.error().timeout()) << a.error().what();
  EXPECT_EQ(a.error().what(), "lookup slow.example: i/o timeout");
  EXPECT_GE(took, 100ms);
  EXPECT_LT(took, 100ms + conduit::test::kSlack);
  EXPECT_EQ(g_calls.load(), 1);
}

TEST(ResolveTest, OtherCallsRunWhileALookupIsStuck) {
  hook_guard g(stuck_getaddrinfo);
  std::atomic<bool> finished{false};
  conduit::test::scoped_thread slow([&] {
    (void)resolve_tcp_addr("tcp", "slow.example:80", deadline::after(10s));
    finished = true;
  });
  while (g_calls.load() == 0) std::this_thread::yield();
  // A numeric resolution on this thread is not held up by the stuck one.
  auto a = resolve_tcp_addr("tcp", "127.0.0.1:1");
  EXPECT_TRUE(a);
  EXPECT_FALSE(finished.load());
  release();
  slow.join();
  EXPECT_TRUE(finished.load());
}

TEST(ResolveTest, PastDeadlineFailsAtOnceForNames) {
  hook_guard g(counting_getaddrinfo);
  auto a = resolve_tcp_addr("tcp", "localhost:80", deadline::past());
  ASSERT_FALSE(a);
  EXPECT_TRUE(a.error().timeout());
  EXPECT_EQ(g_calls.load(), 0);
}

TEST(ResolveTest, LookupIpOfLocalhost) {
  auto ips = lookup_ip("localhost", deadline::after(10s));
  ASSERT_TRUE(ips) << ips.error().what();
  ASSERT_FALSE(ips->empty());
  for (auto& a : *ips) EXPECT_TRUE(a.is_loopback()) << a.to_string();
}

}  // namespace
}  // namespace conduit::net
