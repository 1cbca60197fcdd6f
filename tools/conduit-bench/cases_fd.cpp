// Byte streams between two processes: anonymous pipes and FIFOs. The peer is this binary
// re-executed as a worker; both sides use conduit (os::file) or both use raw blocking
// read(2)/write(2).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <conduit/io/io.hpp>
#include <conduit/os/fifo.hpp>
#include <conduit/os/file.hpp>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "bench.hpp"

namespace cbench {
namespace {

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
  raw_stream(int r, int w) : rd(r), wr(w) {}
  ~raw_stream() override {
    if (rd >= 0) ::close(rd);
    if (wr >= 0) ::close(wr);
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
    ::close(wr);
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

std::unique_ptr<stream> make_stream(bool raw, int rd, int wr) {
  if (raw) return std::make_unique<raw_stream>(rd, wr);
  return std::make_unique<conduit_stream>(conduit::os::file(conduit::unique_fd(rd)),
                                          conduit::os::file(conduit::unique_fd(wr)));
}

// ---- the worker side ----

// echo: read `size` bytes, write them back, until end of stream.
int echo(stream& s, std::size_t size) {
  std::vector<std::byte> buf(size);
  while (s.read_full(buf)) {
    if (!s.write_all(buf)) return 1;
  }
  return 0;
}

// sink: count bytes until end of stream, then write the count back.
int sink(stream& s, std::size_t chunk) {
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

int run_role(stream& s, const std::map<std::string, std::string>& a) {
  std::size_t size = std::stoul(a.at("size"));
  return a.at("role") == "echo" ? echo(s, size) : sink(s, size);
}

worker_registrar w_fd("fd", [](const std::map<std::string, std::string>& a) {
  auto s = make_stream(a.at("variant") == "raw", 3, 4);
  return run_role(*s, a);
});

worker_registrar w_fifo("fifo", [](const std::map<std::string, std::string>& a) {
  bool raw = a.at("variant") == "raw";
  const std::string& in = a.at("in");  // we read this one
  const std::string& out = a.at("out");
  std::unique_ptr<stream> s;
  if (raw) {
    int rd = ::open(in.c_str(), O_RDONLY | O_CLOEXEC);
    int wr = ::open(out.c_str(), O_WRONLY | O_CLOEXEC);
    if (rd < 0 || wr < 0) return 2;
    s = std::make_unique<raw_stream>(rd, wr);
  } else {
    auto d = conduit::deadline::after(std::chrono::seconds(10));
    auto rd = conduit::os::open_fifo(in, conduit::os::fifo_end::read, d);
    if (!rd) return 2;
    auto wr = conduit::os::open_fifo(out, conduit::os::fifo_end::write, d);
    if (!wr) return 2;
    s = std::make_unique<conduit_stream>(std::move(*rd), std::move(*wr));
  }
  return run_role(*s, a);
});

// ---- the measuring side ----

figures measure_stream(const options& o, stream& s, pid_t peer, bool bulk) {
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

figures pipe_case(const options& o, bool raw) {
  figures all;
  for (bool bulk : {false, true}) {
    int to[2], from[2];
    if (::pipe2(to, O_CLOEXEC) != 0 || ::pipe2(from, O_CLOEXEC) != 0) return {};
    std::map<std::string, std::string> args = {
        {"variant", raw ? "raw" : "conduit"},
        {"role", bulk ? "sink" : "echo"},
        {"size", std::to_string(bulk ? o.bulk_chunk : o.size)}};
    pid_t pid = spawn_worker("fd", {to[0], from[1]}, args);
    ::close(to[0]);
    ::close(from[1]);
    auto s = make_stream(raw, from[0], to[1]);
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

figures fifo_case(const options& o, bool raw) {
  figures all;
  auto dir =
      std::filesystem::temp_directory_path() / ("conduit-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (bool bulk : {false, true}) {
    auto a = (dir / "to_peer").string(), b = (dir / "from_peer").string();
    ::unlink(a.c_str());
    ::unlink(b.c_str());
    if (::mkfifo(a.c_str(), 0600) != 0 || ::mkfifo(b.c_str(), 0600) != 0) return {};
    std::map<std::string, std::string> args = {
        {"variant", raw ? "raw" : "conduit"},
        {"role", bulk ? "sink" : "echo"},
        {"size", std::to_string(bulk ? o.bulk_chunk : o.size)},
        {"in", a},
        {"out", b}};
    pid_t pid = spawn_worker("fifo", {}, args);
    std::unique_ptr<stream> s;
    if (raw) {
      int wr = ::open(a.c_str(), O_WRONLY | O_CLOEXEC);
      int rd = ::open(b.c_str(), O_RDONLY | O_CLOEXEC);
      s = std::make_unique<raw_stream>(rd, wr);
    } else {
      auto d = conduit::deadline::after(std::chrono::seconds(10));
      auto wr = conduit::os::open_fifo(a, conduit::os::fifo_end::write, d);
      auto rd = conduit::os::open_fifo(b, conduit::os::fifo_end::read, d);
      if (!wr || !rd) {
        reap_worker(pid, std::chrono::seconds(1));
        return {};
      }
      s = std::make_unique<conduit_stream>(std::move(*rd), std::move(*wr));
    }
    figures f = measure_stream(o, *s, pid, bulk);
    if (bulk) {
      all.gbps = f.gbps;
    } else {
      all.rtt = f.rtt;
    }
    if (!f.note.empty()) all.note = f.note;
    ::unlink(a.c_str());
    ::unlink(b.c_str());
  }
  std::filesystem::remove_all(dir);
  return all;
}

registrar r_pipe({"pipe", "anonymous pipe pair, 2 processes (raw: blocking read/write)",
                  [](const options& o) { return pipe_case(o, false); },
                  [](const options& o) { return pipe_case(o, true); }});
registrar r_fifo({"fifo", "two named pipes (FIFOs), 2 processes (raw: blocking open/read/write)",
                  [](const options& o) { return fifo_case(o, false); },
                  [](const options& o) { return fifo_case(o, true); }});

}  // namespace
}  // namespace cbench
