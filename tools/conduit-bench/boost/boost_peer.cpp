// conduit-bench-boost: the C++ peers a user would otherwise pick, measured the way
// conduit-bench measures (p50/p99 round trip of --size bytes for --duration seconds), one
// JSON object per line on stdout:
//   chan    Boost.Fiber unbuffered_channel, 2 fibers on 1 thread
//   unix    Boost.Asio async_read/async_write on a Unix stream socket, 1-thread io_context,
//           against an Asio echo process
//   tcp     the same over TCP loopback (NODELAY)
//   mq      Boost.Interprocess message_queue (shared memory + process-shared mutex/cond)
//   signal  Boost.Asio signal_set on both sides of a SIGUSR1 -> SIGUSR2 round trip
// Built only when Debian's Boost development packages are installed; conduit-bench runs it
// when it sits next to it.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

// Before Asio: Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
// clang-format off
#include <utility>
// clang-format on
#include <algorithm>
#include <boost/asio.hpp>
#include <boost/fiber/all.hpp>
#include <boost/interprocess/ipc/message_queue.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

extern char** environ;

namespace {

namespace asio = boost::asio;
namespace bip = boost::interprocess;
using clk = std::chrono::steady_clock;

double g_duration = 0.4;
std::size_t g_size = 64;

void report(const char* name, std::vector<double>& s) {
  if (s.empty()) {
    std::printf("{\"name\":\"%s\",\"note\":\"failed\"}\n", name);
    return;
  }
  std::sort(s.begin(), s.end());
  auto at = [&](double q) { return s[static_cast<std::size_t>(q * (s.size() - 1) + 0.5)]; };
  double mean = std::accumulate(s.begin(), s.end(), 0.0) / s.size();
  std::printf(
      "{\"name\":\"%s\",\"p50_ns\":%.1f,\"p99_ns\":%.1f,\"mean_ns\":%.1f,\"min_ns\":%.1f,"
      "\"max_ns\":%.1f,\"samples\":%zu}\n",
      name, at(0.5), at(0.99), mean, s.front(), s.back(), s.size());
  std::fflush(stdout);
}

// Runs round() repeatedly for the duration (after a warm-up), timing each.
std::vector<double> measure(const std::function<bool()>& round) {
  for (int i = 0; i < 50; ++i) {
    if (!round()) return {};
  }
  std::vector<double> s;
  auto end = clk::now() +
             std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(g_duration));
  for (;;) {
    auto t0 = clk::now();
    if (!round()) return {};
    auto t1 = clk::now();
    s.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
    if ((t1 >= end && s.size() >= 100) || s.size() >= 4000000) break;
  }
  return s;
}

pid_t spawn_self(const std::string& mode, const std::string& arg) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  env.push_back("CONDUIT_BOOST_CHILD=" + mode);
  env.push_back("CONDUIT_BOOST_ARG=" + arg);
  env.push_back("CONDUIT_BOOST_SIZE=" + std::to_string(g_size));
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  char exe[] = "/proc/self/exe";
  char* argv[] = {exe, nullptr};
  pid_t pid = -1;
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
  if (posix_spawn(&pid, "/proc/self/exe", nullptr, &at, argv, envp.data()) != 0) pid = -1;
  posix_spawnattr_destroy(&at);
  return pid;
}

// ---- chan: Boost.Fiber ----

void chan_case() {
  boost::fibers::unbuffered_channel<int> ping, pong;
  std::vector<double> s;
  boost::fibers::fiber echo([&] {
    int v;
    while (ping.pop(v) == boost::fibers::channel_op_status::success) pong.push(v);
  });
  s = measure([&] {
    int v = 0;
    return ping.push(1) == boost::fibers::channel_op_status::success &&
           pong.pop(v) == boost::fibers::channel_op_status::success;
  });
  ping.close();
  echo.join();
  report("chan", s);
}

// ---- unix / tcp: Asio, async calls on a 1-thread io_context ----

template <class Socket>
void echo_loop(Socket& sock) {
  std::vector<char> buf(g_size);
  boost::system::error_code ec;
  for (;;) {
    asio::read(sock, asio::buffer(buf), ec);
    if (ec) return;
    asio::write(sock, asio::buffer(buf), ec);
    if (ec) return;
  }
}

template <class Socket>
std::vector<double> async_rounds(asio::io_context& io, Socket& sock) {
  std::vector<char> msg(g_size, 7), back(g_size);
  return measure([&] {
    bool ok = true;
    asio::async_write(sock, asio::buffer(msg), [&](boost::system::error_code ec, std::size_t) {
      if (ec) ok = false;
    });
    asio::async_read(sock, asio::buffer(back), [&](boost::system::error_code ec, std::size_t) {
      if (ec) ok = false;
    });
    io.restart();
    io.run();
    return ok;
  });
}

void unix_case() {
  asio::io_context io;
  std::string path = "/tmp/conduit-bench-boost-" + std::to_string(::getpid()) + ".sock";
  ::unlink(path.c_str());
  asio::local::stream_protocol::acceptor acc(io, asio::local::stream_protocol::endpoint(path));
  pid_t child = spawn_self("unix_echo", path);
  asio::local::stream_protocol::socket sock(io);
  acc.accept(sock);
  auto s = async_rounds(io, sock);
  sock.close();
  int st;
  ::waitpid(child, &st, 0);
  ::unlink(path.c_str());
  report("unix", s);
}

void tcp_case() {
  asio::io_context io;
  asio::ip::tcp::acceptor acc(io, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  pid_t child = spawn_self("tcp_echo", std::to_string(acc.local_endpoint().port()));
  asio::ip::tcp::socket sock(io);
  acc.accept(sock);
  sock.set_option(asio::ip::tcp::no_delay(true));
  auto s = async_rounds(io, sock);
  sock.close();
  int st;
  ::waitpid(child, &st, 0);
  report("tcp", s);
}

// ---- mq: Boost.Interprocess ----

void mq_case() {
  std::string to = "conduit-bench-boost-to-" + std::to_string(::getpid());
  std::string from = "conduit-bench-boost-from-" + std::to_string(::getpid());
  bip::message_queue::remove(to.c_str());
  bip::message_queue::remove(from.c_str());
  std::vector<double> s;
  {
    bip::message_queue qt(bip::create_only, to.c_str(), 10, std::max<std::size_t>(g_size, 8));
    bip::message_queue qf(bip::create_only, from.c_str(), 10, std::max<std::size_t>(g_size, 8));
    pid_t child = spawn_self("mq_echo", std::to_string(::getpid()));
    std::vector<char> msg(g_size, 7), back(std::max<std::size_t>(g_size, 8));
    s = measure([&] {
      std::size_t got;
      unsigned prio;
      qt.send(msg.data(), msg.size(), 0);
      qf.receive(back.data(), back.size(), got, prio);
      return got == msg.size();
    });
    qt.send(msg.data(), 0, 0);  // an empty message ends the echo
    int st;
    ::waitpid(child, &st, 0);
  }
  bip::message_queue::remove(to.c_str());
  bip::message_queue::remove(from.c_str());
  report("mq", s);
}

// ---- signal: Asio signal_set ----

void signal_case() {
  asio::io_context io;
  asio::signal_set sigs(io, SIGUSR2);
  int ready[2];
  if (::pipe(ready) != 0) return;
  pid_t child = spawn_self("signal_b", std::to_string(ready[1]));
  ::close(ready[1]);
  char c;
  if (::read(ready[0], &c, 1) != 1) return;
  ::close(ready[0]);
  auto s = measure([&] {
    bool got = false;
    sigs.async_wait([&](boost::system::error_code ec, int) { got = !ec; });
    ::kill(child, SIGUSR1);
    io.restart();
    io.run();
    return got;
  });
  ::kill(child, SIGTERM);
  int st;
  ::waitpid(child, &st, 0);
  report("signal", s);
}

int child(const std::string& mode, const std::string& arg) {
  if (mode == "unix_echo") {
    asio::io_context io;
    asio::local::stream_protocol::socket sock(io);
    sock.connect(asio::local::stream_protocol::endpoint(arg));
    echo_loop(sock);
    return 0;
  }
  if (mode == "tcp_echo") {
    asio::io_context io;
    asio::ip::tcp::socket sock(io);
    sock.connect(asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(),
                                         static_cast<unsigned short>(std::stoi(arg))));
    sock.set_option(asio::ip::tcp::no_delay(true));
    echo_loop(sock);
    return 0;
  }
  if (mode == "mq_echo") {
    std::string to = "conduit-bench-boost-to-" + arg, from = "conduit-bench-boost-from-" + arg;
    bip::message_queue qt(bip::open_only, to.c_str());
    bip::message_queue qf(bip::open_only, from.c_str());
    std::vector<char> buf(qt.get_max_msg_size());
    for (;;) {
      std::size_t got;
      unsigned prio;
      qt.receive(buf.data(), buf.size(), got, prio);
      if (got == 0) return 0;
      qf.send(buf.data(), got, 0);
    }
  }
  if (mode == "signal_b") {
    asio::io_context io;
    asio::signal_set sigs(io, SIGUSR1, SIGTERM);
    pid_t parent = ::getppid();
    std::function<void(boost::system::error_code, int)> on;
    on = [&](boost::system::error_code ec, int sig) {
      if (ec || sig == SIGTERM) return;
      ::kill(parent, SIGUSR2);
      sigs.async_wait(on);
    };
    sigs.async_wait(on);
    int fd = std::stoi(arg);
    (void)!::write(fd, "r", 1);
    ::close(fd);
    io.run();
    return 0;
  }
  return 99;
}

}  // namespace

int main(int argc, char** argv) {
  if (const char* s = std::getenv("CONDUIT_BOOST_SIZE")) g_size = std::stoul(s);
  if (const char* mode = std::getenv("CONDUIT_BOOST_CHILD")) {
    const char* arg = std::getenv("CONDUIT_BOOST_ARG");
    return child(mode, arg != nullptr ? arg : "");
  }
  std::string only;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--duration=", 0) == 0) g_duration = std::stod(a.substr(11));
    if (a.rfind("--size=", 0) == 0) g_size = std::stoul(a.substr(7));
    if (a.rfind("--only=", 0) == 0) only = "," + a.substr(7) + ",";
  }
  auto want = [&](const char* n) {
    return only.empty() || only.find("," + std::string(n) + ",") != std::string::npos;
  };
  try {
    if (want("chan")) chan_case();
    if (want("unix")) unix_case();
    if (want("tcp")) tcp_case();
    if (want("mq")) mq_case();
    if (want("signal")) signal_case();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "conduit-bench-boost: %s\n", e.what());
    return 1;
  }
  return 0;
}
