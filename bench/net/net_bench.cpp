// net: conduit sockets versus raw blocking syscalls, side by side in one run, over TCP
// loopback (TCP_NODELAY on both) and Unix stream sockets. The peer is a thread of this
// process in both cases (as Go's peer in bench/peers/go/net is a goroutine).
//
//   RoundTrip64/<spin>   64 bytes there and back per iteration (ns per round trip); the
//                        argument is conduit's spin budget in ns (-1: the default), set for
//                        both sides; the raw case ignores it
//   Bulk64K              64 KiB written per iteration, drained by the peer (bytes/s)
//   Accept               dial + accept + close both ends per iteration (connections/s)
//
//   build/release/bench/bench_net --benchmark_repetitions=5 --benchmark_report_aggregates_only
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <conduit/net/net.hpp>
#include <conduit/runtime/park.hpp>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace net = conduit::net;
using namespace std::chrono_literals;

constexpr std::size_t kMsg = 64;
constexpr std::size_t kChunk = 64 * 1024;

enum class kind { tcp, unix_stream };

std::string unix_path() {
  static int seq = 0;
  return "/tmp/conduit_bench_net_" + std::to_string(::getpid()) + "_" + std::to_string(seq++) +
         ".sock";
}

// ---- conduit -----------------------------------------------------------------------------

struct conduit_pair {
  net::conn client, server;
};

std::optional<conduit_pair> conduit_connect(kind k) {
  auto ln = k == kind::tcp ? net::listen("tcp", "127.0.0.1:0") : net::listen("unix", unix_path());
  if (!ln) return std::nullopt;
  auto c = net::dial(ln->addr().network(), ln->addr().to_string());
  if (!c) return std::nullopt;
  auto s = ln->accept();
  if (!s) return std::nullopt;
  return conduit_pair{std::move(*c), std::move(*s)};
}

bool conduit_read_full(net::conn& c, std::byte* p, std::size_t n) {
  while (n > 0) {
    auto r = c.read(std::span<std::byte>(p, n));
    if (!r) return false;
    p += *r;
    n -= *r;
  }
  return true;
}

class spin_budget_guard {
 public:
  explicit spin_budget_guard(std::int64_t ns) : old_(conduit::runtime::spin_budget()) {
    if (ns >= 0) conduit::runtime::set_spin_budget(std::chrono::nanoseconds(ns));
  }
  ~spin_budget_guard() { conduit::runtime::set_spin_budget(old_); }

 private:
  std::chrono::nanoseconds old_;
};

void conduit_round_trip(benchmark::State& st, kind k) {
  spin_budget_guard spin(st.range(0));
  auto p = conduit_connect(k);
  if (!p) return st.SkipWithError("connect failed");
  std::thread echo([&] {
    std::byte buf[kMsg];
    while (conduit_read_full(p->server, buf, kMsg) && !p->server.write({buf, kMsg}).err) {
    }
  });
  std::byte msg[kMsg] = {};
  for (auto _ : st) {
    if (p->client.write({msg, kMsg}).err || !conduit_read_full(p->client, msg, kMsg)) {
      st.SkipWithError("i/o failed");
      break;
    }
  }
  (void)p->client.close();
  echo.join();
  st.counters["spin_ns"] =
      static_cast<double>(std::chrono::nanoseconds(conduit::runtime::spin_budget()).count());
}

void conduit_bulk(benchmark::State& st, kind k) {
  auto p = conduit_connect(k);
  if (!p) return st.SkipWithError("connect failed");
  std::thread sink([&] {
    std::vector<std::byte> buf(kChunk);
    while (p->server.read(buf)) {
    }
  });
  std::vector<std::byte> chunk(kChunk, std::byte{0x42});
  for (auto _ : st) {
    if (p->client.write(chunk).err) {
      st.SkipWithError("write failed");
      break;
    }
  }
  (void)p->client.close();
  sink.join();
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * kChunk));
}

void conduit_accept(benchmark::State& st, kind k) {
  auto ln = k == kind::tcp ? net::listen("tcp", "127.0.0.1:0") : net::listen("unix", unix_path());
  if (!ln) return st.SkipWithError("listen failed");
  std::string where = ln->addr().to_string();
  std::string_view network = ln->addr().network();
  for (auto _ : st) {
    auto c = net::dial(network, where);
    auto s = ln->accept();
    if (!c || !s) {
      st.SkipWithError("dial/accept failed");
      break;
    }
  }
  st.SetItemsProcessed(st.iterations());
}

// ---- raw blocking syscalls ---------------------------------------------------------------

struct raw_pair {
  int client = -1, server = -1;
  ~raw_pair() {
    if (client >= 0) ::close(client);
    if (server >= 0) ::close(server);
  }
};

int raw_listen(kind k, sockaddr_storage& ss, socklen_t& len) {
  int ln;
  if (k == kind::tcp) {
    ln = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(ln, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
    len = sizeof sin;
    ::getsockname(ln, reinterpret_cast<sockaddr*>(&sin), &len);
    std::memcpy(&ss, &sin, sizeof sin);
  } else {
    ln = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::string p = unix_path();
    std::memcpy(sun.sun_path, p.c_str(), p.size() + 1);
    ::bind(ln, reinterpret_cast<sockaddr*>(&sun), sizeof sun);
    len = sizeof sun;
    std::memcpy(&ss, &sun, sizeof sun);
  }
  ::listen(ln, 4096);
  return ln;
}

void raw_unlink(kind k, const sockaddr_storage& ss) {
  if (k == kind::unix_stream) ::unlink(reinterpret_cast<const sockaddr_un*>(&ss)->sun_path);
}

int raw_dial(kind k, const sockaddr_storage& ss, socklen_t len) {
  int c = ::socket(k == kind::tcp ? AF_INET : AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (::connect(c, reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
    ::close(c);
    return -1;
  }
  return c;
}

void raw_nodelay(kind k, int fd) {
  int one = 1;
  if (k == kind::tcp) ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

bool raw_connect(kind k, raw_pair& p) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int ln = raw_listen(k, ss, len);
  p.client = raw_dial(k, ss, len);
  p.server = ::accept4(ln, nullptr, nullptr, SOCK_CLOEXEC);
  ::close(ln);
  raw_unlink(k, ss);
  raw_nodelay(k, p.client);
  raw_nodelay(k, p.server);
  return p.client >= 0 && p.server >= 0;
}

bool raw_read_full(int fd, char* p, std::size_t n) {
  while (n > 0) {
    ssize_t r = ::read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool raw_write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

void raw_round_trip(benchmark::State& st, kind k) {
  raw_pair p;
  if (!raw_connect(k, p)) return st.SkipWithError("connect failed");
  std::thread echo([&] {
    char buf[kMsg];
    while (raw_read_full(p.server, buf, kMsg) && raw_write_all(p.server, buf, kMsg)) {
    }
  });
  char msg[kMsg] = {};
  for (auto _ : st) {
    if (!raw_write_all(p.client, msg, kMsg) || !raw_read_full(p.client, msg, kMsg)) {
      st.SkipWithError("i/o failed");
      break;
    }
  }
  ::shutdown(p.client, SHUT_WR);
  echo.join();
}

void raw_bulk(benchmark::State& st, kind k) {
  raw_pair p;
  if (!raw_connect(k, p)) return st.SkipWithError("connect failed");
  std::thread sink([&] {
    std::vector<char> buf(kChunk);
    while (::read(p.server, buf.data(), buf.size()) > 0) {
    }
  });
  std::vector<char> chunk(kChunk, 0x42);
  for (auto _ : st) {
    if (!raw_write_all(p.client, chunk.data(), chunk.size())) {
      st.SkipWithError("write failed");
      break;
    }
  }
  ::shutdown(p.client, SHUT_WR);
  sink.join();
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * kChunk));
}

void raw_accept(benchmark::State& st, kind k) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int ln = raw_listen(k, ss, len);
  for (auto _ : st) {
    int c = raw_dial(k, ss, len);
    int s = ::accept4(ln, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0 || s < 0) {
      st.SkipWithError("dial/accept failed");
      break;
    }
    raw_nodelay(k, c);  // what Go and conduit do on every TCP conn
    raw_nodelay(k, s);
    ::close(c);
    ::close(s);
  }
  ::close(ln);
  raw_unlink(k, ss);
  st.SetItemsProcessed(st.iterations());
}

// ---- registrations -----------------------------------------------------------------------

void BM_TcpRoundTrip64_Conduit(benchmark::State& st) { conduit_round_trip(st, kind::tcp); }
void BM_TcpRoundTrip64_Raw(benchmark::State& st) { raw_round_trip(st, kind::tcp); }
void BM_UnixRoundTrip64_Conduit(benchmark::State& st) { conduit_round_trip(st, kind::unix_stream); }
void BM_UnixRoundTrip64_Raw(benchmark::State& st) { raw_round_trip(st, kind::unix_stream); }
void BM_TcpBulk64K_Conduit(benchmark::State& st) { conduit_bulk(st, kind::tcp); }
void BM_TcpBulk64K_Raw(benchmark::State& st) { raw_bulk(st, kind::tcp); }
void BM_UnixBulk64K_Conduit(benchmark::State& st) { conduit_bulk(st, kind::unix_stream); }
void BM_UnixBulk64K_Raw(benchmark::State& st) { raw_bulk(st, kind::unix_stream); }
void BM_TcpAccept_Conduit(benchmark::State& st) { conduit_accept(st, kind::tcp); }
void BM_TcpAccept_Raw(benchmark::State& st) { raw_accept(st, kind::tcp); }
void BM_UnixAccept_Conduit(benchmark::State& st) { conduit_accept(st, kind::unix_stream); }
void BM_UnixAccept_Raw(benchmark::State& st) { raw_accept(st, kind::unix_stream); }

BENCHMARK(BM_TcpRoundTrip64_Raw)->UseRealTime();
BENCHMARK(BM_TcpRoundTrip64_Conduit)->Arg(0)->Arg(-1)->Arg(20000)->Arg(50000)->UseRealTime();
BENCHMARK(BM_UnixRoundTrip64_Raw)->UseRealTime();
BENCHMARK(BM_UnixRoundTrip64_Conduit)->Arg(0)->Arg(-1)->Arg(20000)->Arg(50000)->UseRealTime();
BENCHMARK(BM_TcpBulk64K_Raw)->UseRealTime();
BENCHMARK(BM_TcpBulk64K_Conduit)->UseRealTime();
BENCHMARK(BM_UnixBulk64K_Raw)->UseRealTime();
BENCHMARK(BM_UnixBulk64K_Conduit)->UseRealTime();
BENCHMARK(BM_TcpAccept_Raw)->UseRealTime();
BENCHMARK(BM_TcpAccept_Conduit)->UseRealTime();
BENCHMARK(BM_UnixAccept_Raw)->UseRealTime();
BENCHMARK(BM_UnixAccept_Conduit)->UseRealTime();

}  // namespace
