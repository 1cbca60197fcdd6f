// Sockets between two processes: Unix stream, Unix seqpacket, TCP loopback, UDP loopback.
// conduit: net::listen / net::dial / conn on both sides; raw: blocking socket(2) calls.
// Traffic stays on this machine (127.0.0.1 and abstract Unix names).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <conduit/net/dial.hpp>
#include <conduit/net/listener.hpp>
#include <conduit/net/packet_conn.hpp>
#include <cstring>
#include <string>

#include "bench.hpp"
#include "streams.hpp"

namespace cbench {
namespace {

using namespace std::chrono_literals;

struct kind {
  const char* network;  // conduit's network name
  int domain, type;
};

// ---- raw sockets ----

// Fills a sockaddr for either 127.0.0.1:port or an abstract Unix name "@name".
socklen_t raw_addr(int domain, const std::string& where, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  if (domain == AF_UNIX) {
    auto* un = reinterpret_cast<sockaddr_un*>(&ss);
    un->sun_family = AF_UNIX;
    std::string name = where.substr(1);  // after '@'
    std::memcpy(un->sun_path + 1, name.data(), name.size());
    return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  }
  auto* in = reinterpret_cast<sockaddr_in*>(&ss);
  in->sin_family = AF_INET;
  in->sin_port = htons(static_cast<std::uint16_t>(std::stoi(where.substr(where.rfind(':') + 1))));
  in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return sizeof(sockaddr_in);
}

void no_delay(int fd, int domain) {
  if (domain == AF_INET) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
}

std::string unique_unix_name(const char* what) {
  static int seq = 0;
  return "@conduit-bench-" + std::string(what) + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(seq++);
}

// ---- streams (Unix stream, seqpacket, TCP) ----

worker_registrar w_sock("sock", [](const std::map<std::string, std::string>& a) {
  bool raw = a.at("variant") == "raw";
  const std::string& where = a.at("addr");
  std::unique_ptr<stream> s;
  if (raw) {
    int domain = std::stoi(a.at("domain")), type = std::stoi(a.at("type"));
    int fd = ::socket(domain, type | SOCK_CLOEXEC, 0);
    sockaddr_storage ss;
    socklen_t len = raw_addr(domain, where, ss);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) return 2;
    no_delay(fd, domain);
    s = std::make_unique<raw_stream>(fd, fd);
  } else {
    auto c = conduit::net::dial_timeout(a.at("network"), where, 10s);
    if (!c) return 2;
    s = std::make_unique<net_stream>(std::move(*c));
  }
  return run_role(*s, a);
});

figures sock_stream_case(const options& o, const kind& k, bool raw) {
  figures all;
  for (bool bulk : {false, true}) {
    std::string where = k.domain == AF_UNIX ? unique_unix_name(k.network) : "127.0.0.1:0";
    std::map<std::string, std::string> args = {
        {"variant", raw ? "raw" : "conduit"},
        {"role", bulk ? "sink" : "echo"},
        {"size", std::to_string(bulk ? o.bulk_chunk : o.size)},
        {"network", k.network},
        {"domain", std::to_string(k.domain)},
        {"type", std::to_string(k.type)}};
    std::unique_ptr<stream> s;
    pid_t pid = -1;
    if (raw) {
      int lfd = ::socket(k.domain, k.type | SOCK_CLOEXEC, 0);
      sockaddr_storage ss;
      socklen_t len = raw_addr(k.domain, where, ss);
      int one = 1;
      ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (lfd < 0 || ::bind(lfd, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
          ::listen(lfd, 4) != 0) {
        return {};
      }
      if (k.domain == AF_INET) {
        sockaddr_in got{};
        socklen_t gl = sizeof got;
        ::getsockname(lfd, reinterpret_cast<sockaddr*>(&got), &gl);
        where = "127.0.0.1:" + std::to_string(ntohs(got.sin_port));
      }
      args["addr"] = where;
      pid = spawn_worker("sock", {}, args);
      int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
      ::close(lfd);
      if (fd < 0) return {};
      no_delay(fd, k.domain);
      s = std::make_unique<raw_stream>(fd, fd);
    } else {
      auto ln = conduit::net::listen(k.network, where);
      if (!ln) return {};
      args["addr"] = ln->addr().to_string();
      pid = spawn_worker("sock", {}, args);
      ln->set_deadline(conduit::deadline::after(10s));
      auto c = ln->accept();
      if (!c) {
        reap_worker(pid, std::chrono::seconds(1));
        return {};
      }
      s = std::make_unique<net_stream>(std::move(*c));
    }
    figures f = measure_stream(o, *s, pid, bulk);
    if (bulk) {
      all.gbps = f.gbps;
    } else {
      all.rtt = f.rtt;
    }
    if (!f.note.empty()) all.note = f.note;
  }
  return all;
}

const kind kUnix{"unix", AF_UNIX, SOCK_STREAM};
const kind kSeqpacket{"unixpacket", AF_UNIX, SOCK_SEQPACKET};
const kind kTcp{"tcp", AF_INET, SOCK_STREAM};

registrar r_unix({"unix", "Unix stream socket, 2 processes (raw: blocking socket calls)",
                  [](const options& o) { return sock_stream_case(o, kUnix, false); },
                  [](const options& o) { return sock_stream_case(o, kUnix, true); }});
registrar r_seqpacket({"seqpacket", "Unix seqpacket socket, 2 processes (raw: blocking calls)",
                       [](const options& o) { return sock_stream_case(o, kSeqpacket, false); },
                       [](const options& o) { return sock_stream_case(o, kSeqpacket, true); }});
registrar r_tcp({"tcp", "TCP over loopback, NODELAY, 2 processes (raw: blocking calls)",
                 [](const options& o) { return sock_stream_case(o, kTcp, false); },
                 [](const options& o) { return sock_stream_case(o, kTcp, true); }});

// ---- UDP: datagram round trips over loopback (no bulk: UDP may drop) ----

worker_registrar w_udp("udp", [](const std::map<std::string, std::string>& a) {
  bool raw = a.at("variant") == "raw";
  std::size_t size = std::stoul(a.at("size"));
  std::vector<std::byte> buf(size);
  if (raw) {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_storage ss;
    socklen_t len = raw_addr(AF_INET, a.at("addr"), ss);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) return 2;
    timeval tv{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::send(fd, buf.data(), buf.size(), 0) < 0) return 3;  // hello: our address
    for (;;) {
      ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n <= 0) return 0;  // the parent stopped: a timeout ends us
      if (n == 1) return 0;  // goodbye
      ::send(fd, buf.data(), static_cast<std::size_t>(n), 0);
    }
  }
  auto c = conduit::net::dial("udp", a.at("addr"));
  if (!c) return 2;
  if (c->write(buf).err) return 3;
  for (;;) {
    c->set_read_deadline(conduit::deadline::after(1s));
    auto n = c->read(buf);
    if (!n || *n == 1) return 0;
    (void)c->write(std::span(buf).first(*n));
  }
});

figures udp_case(const options& o, bool raw) {
  figures f;
  std::vector<std::byte> msg(o.size, std::byte{7}), back(o.size);
  if (raw) {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof in;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&in), len) != 0) return f;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&in), &len);
    pid_t pid = spawn_worker("udp", {},
                             {{"variant", "raw"},
                              {"size", std::to_string(o.size)},
                              {"addr", "127.0.0.1:" + std::to_string(ntohs(in.sin_port))}});
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in peer{};
    socklen_t pl = sizeof peer;
    if (::recvfrom(fd, back.data(), back.size(), 0, reinterpret_cast<sockaddr*>(&peer), &pl) <= 0 ||
        ::connect(fd, reinterpret_cast<sockaddr*>(&peer), pl) != 0) {
      ::close(fd);
      reap_worker(pid, std::chrono::seconds(3));
      return f;
    }
    f.rtt = measure_rtt(o, [&] {
      return ::send(fd, msg.data(), msg.size(), 0) == static_cast<ssize_t>(msg.size()) &&
             ::recv(fd, back.data(), back.size(), 0) == static_cast<ssize_t>(back.size());
    });
    ::send(fd, msg.data(), 1, 0);
    ::close(fd);
    if (!reap_worker(pid)) f.note = "peer failed";
    return f;
  }
  auto pc = conduit::net::listen_packet("udp", "127.0.0.1:0");
  if (!pc) return f;
  pid_t pid = spawn_worker("udp", {},
                           {{"variant", "conduit"},
                            {"size", std::to_string(o.size)},
                            {"addr", pc->local_addr().to_string()}});
  pc->set_read_deadline(conduit::deadline::after(5s));
  auto hello = pc->read_from(back);
  if (!hello) {
    reap_worker(pid, std::chrono::seconds(3));
    return f;
  }
  conduit::net::addr peer = hello.from;
  pc->set_read_deadline(conduit::deadline::never());
  f.rtt = measure_rtt(o, [&] {
    pc->set_read_deadline(conduit::deadline::after(5s));
    return !pc->write_to(msg, peer).err && pc->read_from(back).ok();
  });
  (void)pc->write_to(std::span(msg).first(1), peer);
  (void)pc->close();
  if (!reap_worker(pid)) f.note = "peer failed";
  return f;
}

registrar r_udp({"udp", "UDP over loopback, 2 processes (raw: blocking send/recv)",
                 [](const options& o) { return udp_case(o, false); },
                 [](const options& o) { return udp_case(o, true); }});

}  // namespace
}  // namespace cbench
