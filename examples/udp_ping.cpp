// udp_ping: UDP ping-pong with read deadlines — Go's net.ListenPacket + ReadFrom/WriteTo on
// the server side, net.Dial("udp") + Write/Read on the client side.
//
//   udp_ping serve 127.0.0.1:9999         answer pings until SIGINT (Ctrl-C)
//   udp_ping 127.0.0.1:9999 [COUNT]       send COUNT pings (default 5), print round trips
//   udp_ping                              demo: server and client in-process; exits 0
//
// A lost datagram is not an error of UDP: the client waits one second per ping (a read
// deadline) and counts it lost.
#include <conduit/net/net.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace net = conduit::net;
using namespace std::chrono_literals;

// Answers every datagram with the same bytes until the packet_conn is closed.
void pong(net::packet_conn& pc) {
  std::byte buf[1500];
  for (;;) {
    auto r = pc.read_from(buf);
    if (r.err == conduit::errc::closed) return;
    if (r.err) continue;  // e.g. message_too_large: not for us
    (void)pc.write_to(std::span<const std::byte>(buf, r.n), r.from);
  }
}

// Sends count pings to address; returns how many came back.
int ping(const std::string& address, int count) {
  auto c = net::dial("udp", address);
  if (!c) {
    std::fprintf(stderr, "%s\n", c.error().what().c_str());
    return 0;
  }
  int received = 0;
  for (int i = 0; i < count; ++i) {
    std::string msg = "ping " + std::to_string(i);
    auto t0 = conduit::clock::now();
    if (auto w = c->write(msg); w.err) {
      std::fprintf(stderr, "write: %s\n", w.err.message().c_str());
      continue;
    }
    c->set_read_deadline(conduit::deadline::after(1s));
    std::byte buf[1500];
    auto r = c->read(buf);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(conduit::clock::now() - t0);
    if (!r) {
      std::printf("%s: %s\n", msg.c_str(),
                  r.error() == conduit::errc::timeout ? "lost (no answer in 1 s)"
                                                      : r.error().message().c_str());
      continue;
    }
    std::printf("%zu bytes from %s: %s time=%lld us\n", *r, address.c_str(), msg.c_str(),
                static_cast<long long>(us.count()));
    ++received;
  }
  std::printf("%d sent, %d received\n", count, received);
  return received;
}

int main(int argc, char** argv) {
  if (argc == 1) {
    auto pc = net::listen_packet("udp", "127.0.0.1:0");
    if (!pc) {
      std::fprintf(stderr, "%s\n", pc.error().what().c_str());
      return 1;
    }
    std::thread server([&] { pong(*pc); });
    int got = ping(pc->local_addr().to_string(), 5);
    (void)pc->close();  // ends the server's read_from with errc::closed
    server.join();
    return got == 5 ? 0 : 1;
  }
  if (std::string(argv[1]) == "serve" && argc == 3) {
    auto pc = net::listen_packet("udp", argv[2]);
    if (!pc) {
      std::fprintf(stderr, "%s\n", pc.error().what().c_str());
      return 1;
    }
    std::printf("answering pings on %s\n", pc->local_addr().to_string().c_str());
    std::fflush(stdout);
    pong(*pc);
    return 0;
  }
  int count = argc > 2 ? std::atoi(argv[2]) : 5;
  return ping(argv[1], count) > 0 ? 0 : 1;
}
