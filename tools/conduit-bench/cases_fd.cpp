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
#include "streams.hpp"

namespace cbench {
namespace {

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
