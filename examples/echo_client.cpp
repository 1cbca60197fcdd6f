// echo_client: dials an echo server, sends each argument as a line and prints what comes
// back — Go's net.Dial + Write + Read, with a deadline on the whole exchange.
//
//   echo_client tcp 127.0.0.1:7000 hello world
//   echo_client unix /tmp/echo.sock hello
//   echo_client                           demo: starts a small echo server in-process on TCP
//                                         and on a Unix socket, talks to both; exits 0
#include <unistd.h>

#include <conduit/net/net.hpp>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace net = conduit::net;
using namespace std::chrono_literals;

// Sends each line, reads its echo. Returns false on any error (printed Go-style).
bool run_client(std::string_view network, std::string_view address,
                const std::vector<std::string>& lines) {
  auto c = net::dial_timeout(network, address, 5s);
  if (!c) {
    std::fprintf(stderr, "%s\n", c.error().what().c_str());
    return false;
  }
  c->set_deadline(conduit::deadline::after(10s));  // bounds the whole exchange
  for (const auto& line : lines) {
    std::string msg = line + "\n";
    if (auto [n, err] = c->write(msg); err) {
      std::fprintf(stderr, "write: %s (%zu bytes went out)\n", err.message().c_str(), n);
      return false;
    }
    std::string got;
    std::byte buf[512];
    while (got.size() < msg.size()) {
      auto r = c->read(buf);
      if (!r) {
        std::fprintf(stderr, "read: %s\n", r.error().message().c_str());
        return false;
      }
      got.append(reinterpret_cast<const char*>(buf), *r);
    }
    std::printf("%s", got.c_str());
  }
  return true;
}

// A minimal echo server for the demo: one connection at a time until closed.
void serve(net::listener& ln) {
  for (;;) {
    auto c = ln.accept();
    if (!c) return;  // errc::closed: the demo is over
    c->set_deadline(conduit::deadline::after(10s));
    std::byte buf[512];
    while (auto r = c->read(buf)) {
      if (c->write(std::span<const std::byte>(buf, *r)).err) break;
    }
  }
}

int demo() {
  std::string path = "/tmp/conduit_echo_client_" + std::to_string(::getpid()) + ".sock";
  auto tcp = net::listen("tcp", "127.0.0.1:0");
  auto unix_ln = net::listen("unix", path);
  if (!tcp || !unix_ln) return 1;
  std::thread t1([&] { serve(*tcp); });
  std::thread t2([&] { serve(*unix_ln); });
  bool ok = run_client("tcp", tcp->addr().to_string(), {"hello over tcp", "bye"}) &&
            run_client("unix", path, {"hello over a unix socket"});
  (void)tcp->close();
  (void)unix_ln->close();
  t1.join();
  t2.join();
  return ok ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc == 1) return demo();
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s NETWORK ADDRESS [LINE...]\n", argv[0]);
    return 2;
  }
  std::vector<std::string> lines(argv + 3, argv + argc);
  if (lines.empty()) lines.push_back("ping");
  return run_client(argv[1], argv[2], lines) ? 0 : 1;
}
