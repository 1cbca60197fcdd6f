// echo_server: a TCP or Unix echo server with a thread per connection and a clean
// shutdown — Go's net.Listen + Accept loop + go handle(conn), in conduit.
//
//   echo_server tcp 127.0.0.1:7000        serve until SIGINT or SIGTERM
//   echo_server unix /tmp/echo.sock
//   echo_server                           demo: a server on TCP and one on a Unix socket,
//                                         each with an in-process client; exits 0
//
// Shutdown closes the listener (the accept loop ends with errc::closed), closes every
// connection still open (their pending reads end with errc::closed), and joins every
// thread. The Unix socket file is removed by the listener's close.
#include <conduit/chan.hpp>
#include <conduit/net/net.hpp>
#include <conduit/signal/signal.hpp>
#include <conduit/sync/mutex.hpp>
#include <cstdio>
#include <cstring>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace net = conduit::net;
using namespace std::chrono_literals;

class echo_server {
 public:
  explicit echo_server(net::listener ln) : ln_(std::move(ln)) {
    accept_thread_ = std::thread([this] { accept_loop(); });
  }
  ~echo_server() { shutdown(); }

  const net::addr& addr() const { return ln_.addr(); }

  // Stops accepting, closes every open connection, joins every thread. Idempotent.
  void shutdown() {
    (void)ln_.close();  // the accept loop ends with errc::closed
    if (accept_thread_.joinable()) accept_thread_.join();
    {
      // Every accepted conn was registered by the accept loop, which has ended: closing
      // them all wakes every handler's pending read with errc::closed.
      std::lock_guard<conduit::mutex> g(mu_);
      for (net::conn& c : conns_) (void)c.close();
    }
    for (auto& t : handlers_) t.join();
    handlers_.clear();
  }

 private:
  void accept_loop() {
    for (;;) {
      auto c = ln_.accept();
      if (!c) {
        if (c.error() != conduit::errc::closed) {
          std::fprintf(stderr, "accept: %s\n", c.error().message().c_str());
        }
        return;
      }
      std::lock_guard<conduit::mutex> g(mu_);
      auto it = conns_.insert(conns_.end(), std::move(*c));
      handlers_.emplace_back([this, it] {
        handle(*it);
        std::lock_guard<conduit::mutex> g2(mu_);
        conns_.erase(it);  // closes it; under the lock, so shutdown never sees it half gone
      });
    }
  }

  static void handle(net::conn& c) {
    std::string who = c.remote_addr().to_string();
    std::printf("server: %s connected\n", who.empty() ? "an unnamed Unix socket" : who.c_str());
    std::byte buf[4096];
    for (;;) {
      auto r = c.read(buf);  // errc::eof when the client is done, closed on shutdown
      if (!r) break;
      if (auto [n, err] = c.write(std::span<const std::byte>(buf, *r)); err) break;
    }
  }

  net::listener ln_;
  std::thread accept_thread_;
  std::vector<std::thread> handlers_;  // the accept thread's, then shutdown's (after join)
  conduit::mutex mu_;
  std::list<net::conn> conns_;  // guarded by mu_; stable addresses for the handlers
};

// The demo's client: sends lines and checks the echo.
bool talk(std::string_view network, const std::string& address) {
  auto c = net::dial_timeout(network, address, 5s);
  if (!c) {
    std::fprintf(stderr, "%s\n", c.error().what().c_str());
    return false;
  }
  c->set_deadline(conduit::deadline::after(5s));
  for (const char* line : {"hello", "echo", "world"}) {
    if (auto w = c->write(line); w.err) return false;
    std::string got;
    std::byte buf[64];
    while (got.size() < std::strlen(line)) {
      auto r = c->read(buf);
      if (!r) return false;
      got.append(reinterpret_cast<const char*>(buf), *r);
    }
    std::printf("client (%.*s): sent %s, got %s\n", static_cast<int>(network.size()),
                network.data(), line, got.c_str());
    if (got != line) return false;
  }
  return true;
}

int demo() {
  auto tcp = net::listen("tcp", "127.0.0.1:0");
  std::string path = "/tmp/conduit_echo_demo_" + std::to_string(::getpid()) + ".sock";
  auto unix_ln = net::listen("unix", path);
  if (!tcp || !unix_ln) {
    std::fprintf(stderr, "%s\n", (!tcp ? tcp.error() : unix_ln.error()).what().c_str());
    return 1;
  }
  echo_server s1(std::move(*tcp));
  echo_server s2(std::move(*unix_ln));
  std::printf("serving on tcp %s and unix %s\n", s1.addr().to_string().c_str(), path.c_str());
  bool ok = talk("tcp", s1.addr().to_string()) && talk("unix", path);
  // A client that stays connected: shutdown must still end its handler.
  auto idle = net::dial_timeout("tcp", s1.addr().to_string(), 5s);
  s1.shutdown();
  s2.shutdown();
  std::printf("shut down cleanly\n");
  return ok && idle ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc == 1) return demo();
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s [tcp|tcp4|tcp6|unix ADDRESS]\n", argv[0]);
    return 2;
  }
  conduit::chan<conduit::signal::signal_info> sigs(1);
  if (auto r = conduit::signal::notify(sigs, {SIGINT, SIGTERM}); !r) {
    std::fprintf(stderr, "signal: %s\n", r.error().message().c_str());
    return 1;
  }
  auto ln = net::listen(argv[1], argv[2]);
  if (!ln) {
    std::fprintf(stderr, "%s\n", ln.error().what().c_str());
    return 1;
  }
  echo_server s(std::move(*ln));
  std::printf("serving on %s %s; SIGINT or SIGTERM stops\n", argv[1], s.addr().to_string().c_str());
  std::fflush(stdout);
  auto sig = sigs.recv();
  std::printf("%s: shutting down\n", sig ? sig->name() : "channel closed");
  s.shutdown();
  return 0;
}
