// Helpers for net tests (unit, go_port, fault): connected pairs over loopback and Unix
// sockets, temporary socket paths, byte views.
#ifndef CONDUIT_TESTS_UNIT_NET_NET_HELPERS_HPP
#define CONDUIT_TESTS_UNIT_NET_NET_HELPERS_HPP

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <conduit/net/dial.hpp>
#include <conduit/net/listener.hpp>
#include <conduit/runtime/park.hpp>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/support.hpp"

namespace conduit::net::test {

using namespace std::chrono_literals;

// The main thread's wake-up eventfd lives as long as the thread: create it during static
// initialisation, before any test's fd count is taken. (The test main's own warm-up can be
// cut short by a permit left on the main thread by an earlier static initialiser.)
inline const bool kMainWakeFdReady = runtime::current().prepare_wait_fd();

inline std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}
inline std::string str(std::span<const std::byte> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// A socket path under /tmp unique to this process and call; removed if it exists.
inline std::string temp_socket_path(const std::string& tag) {
  std::string p = "/tmp/" + conduit::test::unique_name("conduit_" + tag) + ".sock";
  ::unlink(p.c_str());
  return p;
}

// Whether ::1 can be bound here.
inline bool ipv6_loopback_available() {
  auto ln = listen("tcp6", "[::1]:0");
  return ln.has_value();
}

// A dialed conn and the conn its listener accepted.
struct conn_pair {
  conn dialed;
  conn accepted;
};

// Listens on (network, address), dials it and accepts; the listener is closed after.
inline std::optional<conn_pair> connected_pair(std::string_view network, std::string_view address) {
  auto ln = listen(network, address);
  if (!ln) {
    ADD_FAILURE() << ln.error().what();
    return std::nullopt;
  }
  auto c = dial_timeout(network, ln->addr().to_string(), 10s);
  if (!c) {
    ADD_FAILURE() << c.error().what();
    return std::nullopt;
  }
  ln->set_deadline(deadline::after(10s));
  auto a = ln->accept();
  if (!a) {
    ADD_FAILURE() << a.error().message();
    return std::nullopt;
  }
  return conn_pair{std::move(*c), std::move(*a)};
}

inline std::optional<conn_pair> tcp4_pair() { return connected_pair("tcp", "127.0.0.1:0"); }
inline std::optional<conn_pair> tcp6_pair() { return connected_pair("tcp6", "[::1]:0"); }
inline std::optional<conn_pair> unix_pair() {
  return connected_pair("unix", temp_socket_path("pair"));
}

// A TCP address whose connects hang: a listener with a backlog of 0 that never accepts,
// its queue already full. The SYNs of later connects are dropped, so they stay pending.
class blackhole {
 public:
  blackhole() {
    fd_ = unique_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
    EXPECT_EQ(::listen(fd_.get(), 0), 0);
    socklen_t len = sizeof sin;
    ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&sin), &len);
    address_ = "127.0.0.1:" + std::to_string(ntohs(sin.sin_port));
    // Fill the accept queue: connects that complete at once (the handshake finished).
    for (int i = 0; i < 8; ++i) {
      auto c = dial_timeout("tcp", address_, 200ms);
      if (!c) break;
      fillers_.push_back(std::move(*c));
    }
  }
  const std::string& address() const { return address_; }

 private:
  unique_fd fd_;
  std::string address_;
  std::vector<conn> fillers_;
};

}  // namespace conduit::net::test

#endif  // CONDUIT_TESTS_UNIT_NET_NET_HELPERS_HPP
