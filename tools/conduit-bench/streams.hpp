// Byte streams for conduit-bench's two-process mechanisms: one interface over raw fds,
// conduit's os::file and net::conn, and the echo / sink roles and measurements on top.
#ifndef CONDUIT_TOOLS_STREAMS_HPP
#define CONDUIT_TOOLS_STREAMS_HPP

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <conduit/io/io.hpp>
#include <conduit/net/conn.hpp>
#include <conduit/net/tcp_conn.hpp>
#include <conduit/net/unix_conn.hpp>
#include <conduit/os/file.hpp>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bench.hpp"

namespace cbench {

using clk = std::chrono::steady_clock;

// ---- one side of a stream, conduit or raw ----

struct stream {
  virtual ~stream() = default;
  virtual bool write_all(std::span<const std::byte> b) = 0;
  virtual bool read_full(std::span<std::byte> b) = 0;
  virtual long read_some(std::span<std::byte> b) = 0;  // 0 at end, -1 on error
  virtual void close_write() = 0;
};

struct raw_stream final : stream {
  int rd, wr;
  bool socket;  // rd == wr: one socket, half-closed with shutdown(2)
  raw_stream(int r, int w) : rd(r), wr(w), socket(r == w) {}
  ~raw_stream() override {
    if (rd >= 0) ::close(rd);
    if (wr >= 0 && !socket) ::close(wr);
  }
  bool write_all(std::span<const std::byte> b) override {
    while (!b.empty()) {
      ssize_t n = ::write(wr, b.data(), b.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      b = b.subspan(static_cast<std::size_t>(n));
    }
    return true;
  }
  bool read_full(std::span<std::byte> b) override {
    while (!b.empty()) {
      long n = read_some(b);
      if (n <= 0) return false;
      b = b.subspan(static_cast<std::size_t>(n));
    }
    return true;
  }
  long read_some(std::span<std::byte> b) override {
    for (;;) {
      ssize_t n = ::read(rd, b.data(), b.size());
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }
  void close_write() override {
    if (wr < 0) return;
    if (socket) {
      ::shutdown(wr, SHUT_WR);
    } else {
      ::close(wr);
    }
    wr = -1;
  }
};

struct conduit_stream final : stream {
  conduit::os::file rd, wr;
  conduit_stream(conduit::os::file r, conduit::os::file w) : rd(std::move(r)), wr(std::move(w)) {}
  bool write_all(std::span<const std::byte> b) override { return !wr.write(b).err; }
  bool read_full(std::span<std::byte> b) override { return !conduit::io::read_full(rd, b).err; }
  long read_some(std::span<std::byte> b) override {
    auto n = rd.read(b);
    if (n) return static_cast<long>(*n);
    return n.error() == conduit::errc::eof ? 0 : -1;
  }
  void close_write() override { (void)wr.close(); }
};

inline std::unique_ptr<stream> make_stream(bool raw, int rd, int wr) {
  if (raw) return std::make_unique<raw_stream>(rd, wr);
  return std::make_unique<conduit_stream>(conduit::os::file(conduit::unique_fd(rd)),
                                          conduit::os::file(conduit::unique_fd(wr)));
}

// ---- the worker side ----

// echo: read `size` bytes, write them back, until end of stream.
inline int echo(stream& s, std::size_t size) {
  std::vector<std::byte> buf(size);
  while (s.read_full(buf)) {
    if (!s.write_all(buf)) return 1;
  }
  return 0;
}

// sink: count bytes until end of stream, then write the count back.
inline int sink(stream& s, std::size_t chunk) {
  std::vector<std::byte> buf(chunk);
  std::uint64_t total = 0;
  for (;;) {
    long n = s.read_some(buf);
    if (n < 0) return 1;
    if (n == 0) break;
    total += static_cast<std::uint64_t>(n);
  }
  return s.write_all(std::as_bytes(std::span(&total, 1))) ? 0 : 1;
}

inline int run_role(stream& s, const std::map<std::string, std::string>& a) {
  std::size_t size = std::stoul(a.at("size"));
  return a.at("role") == "echo" ? echo(s, size) : sink(s, size);
}

struct net_stream final : stream {
  std::optional<conduit::net::tcp_conn> tcp;
  std::optional<conduit::net::unix_conn> ux;
  conduit::net::conn plain;
  conduit::net::conn* c = nullptr;
  bool closed_write = false;
  explicit net_stream(conduit::net::conn cc) {
    if (auto t = conduit::net::tcp_conn::try_from(cc)) {
      tcp = std::move(t);
      c = &*tcp;
    } else if (auto u = conduit::net::unix_conn::try_from(cc)) {
      ux = std::move(u);
      c = &*ux;
    } else {
      plain = std::move(cc);
      c = &plain;
    }
  }
  net_stream(const net_stream&) = delete;
  net_stream& operator=(const net_stream&) = delete;
  bool write_all(std::span<const std::byte> b) override { return !c->write(b).err; }
  bool read_full(std::span<std::byte> b) override { return !conduit::io::read_full(*c, b).err; }
  long read_some(std::span<std::byte> b) override {
    auto n = c->read(b);
    if (n) return static_cast<long>(*n);
    return n.error() == conduit::errc::eof ? 0 : -1;
  }
  void close_write() override {
    if (closed_write) return;
    closed_write = true;
    if (tcp) (void)tcp->close_write();
    if (ux) (void)ux->close_write();
  }
};

inline figures measure_stream(const options& o, stream& s, pid_t peer, bool bulk) {
  figures f;
  if (!bulk) {
    std::vector<std::byte> msg(o.size, std::byte{7}), back(o.size);
    f.rtt = measure_rtt(o, [&] { return s.write_all(msg) && s.read_full(back); });
  } else {
    std::vector<std::byte> chunk(o.bulk_chunk, std::byte{1});
    auto start = clk::now();
    auto end = start + std::chrono::duration_cast<clk::duration>(o.duration);
    std::uint64_t sent = 0;
    bool ok = true;
    while (clk::now() < end) {
      if (!s.write_all(chunk)) {
        ok = false;
        break;
      }
      sent += chunk.size();
    }
    s.close_write();
    std::uint64_t got = 0;
    ok = ok && s.read_full(std::as_writable_bytes(std::span(&got, 1)));
    double secs = std::chrono::duration<double>(clk::now() - start).count();
    if (ok && got == sent) f.gbps = static_cast<double>(sent) / secs / 1e9;
  }
  s.close_write();
  if (!reap_worker(peer)) f.note = "peer failed";
  return f;
}

}  // namespace cbench

#endif  // CONDUIT_TOOLS_STREAMS_HPP
