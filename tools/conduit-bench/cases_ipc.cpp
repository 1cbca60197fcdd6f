// Linux IPC beyond Go's standard library, between two processes:
//   mq        POSIX message queues: conduit's message_queue vs blocking mq_send/mq_receive
//   shm_ring  conduit's shared-memory stream ring vs the floor: two processes bouncing one
//             shared cache line by spinning (round trip), and memcpy (bulk)
#include <fcntl.h>
#include <mqueue.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <conduit/ipc/message_queue.hpp>
#include <conduit/ipc/shm_ring.hpp>
#include <conduit/runtime/park.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "bench.hpp"
#include "streams.hpp"

namespace cbench {
namespace {

using namespace std::chrono_literals;
namespace ipc = conduit::ipc;

std::string unique_name(const char* what) {
  static int seq = 0;
  return "/conduit-bench-" + std::string(what) + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(seq++);
}

// ---- POSIX message queues ----

constexpr long kMqBulkMessage = 8192;  // Linux's default msgsize_max

struct mq_side {
  virtual ~mq_side() = default;
  virtual bool send(std::span<const std::byte> m) = 0;
  virtual long receive(std::span<std::byte> m) = 0;  // size, or -1
};

struct raw_mq final : mq_side {
  mqd_t in, out;
  raw_mq(const std::string& in_name, const std::string& out_name)
      : in(::mq_open(in_name.c_str(), O_RDONLY | O_CLOEXEC)),
        out(::mq_open(out_name.c_str(), O_WRONLY | O_CLOEXEC)) {}
  ~raw_mq() override {
    if (in != static_cast<mqd_t>(-1)) ::mq_close(in);
    if (out != static_cast<mqd_t>(-1)) ::mq_close(out);
  }
  bool ok() const { return in != static_cast<mqd_t>(-1) && out != static_cast<mqd_t>(-1); }
  bool send(std::span<const std::byte> m) override {
    return ::mq_send(out, reinterpret_cast<const char*>(m.data()), m.size(), 0) == 0;
  }
  long receive(std::span<std::byte> m) override {
    ssize_t n = ::mq_receive(in, reinterpret_cast<char*>(m.data()), m.size(), nullptr);
    return static_cast<long>(n);
  }
};

struct conduit_mq final : mq_side {
  ipc::message_queue in, out;
  bool send(std::span<const std::byte> m) override { return static_cast<bool>(out.send(m)); }
  long receive(std::span<std::byte> m) override {
    auto r = in.receive(m);
    return r ? static_cast<long>(r->size) : -1;
  }
};

std::unique_ptr<mq_side> open_mq(bool raw, const std::string& in, const std::string& out) {
  if (raw) {
    auto s = std::make_unique<raw_mq>(in, out);
    if (!s->ok()) return nullptr;
    return s;
  }
  auto i = ipc::message_queue::open(in, ipc::mq_access::read_only);
  auto o = ipc::message_queue::open(out, ipc::mq_access::write_only);
  if (!i || !o) return nullptr;
  auto s = std::make_unique<conduit_mq>();
  s->in = std::move(*i);
  s->out = std::move(*o);
  return s;
}

worker_registrar w_mq("mq", [](const std::map<std::string, std::string>& a) {
  auto s = open_mq(a.at("variant") == "raw", a.at("in"), a.at("out"));
  if (!s) return 2;
  std::vector<std::byte> buf(static_cast<std::size_t>(std::stol(a.at("msg"))));
  if (a.at("role") == "echo") {
    for (;;) {
      long n = s->receive(buf);
      if (n <= 0) return n == 0 ? 0 : 3;  // an empty message ends it
      if (!s->send(std::span(buf).first(static_cast<std::size_t>(n)))) return 4;
    }
  }
  std::uint64_t total = 0;
  for (;;) {
    long n = s->receive(buf);
    if (n < 0) return 3;
    if (n == 0) break;
    total += static_cast<std::uint64_t>(n);
  }
  return s->send(std::as_bytes(std::span(&total, 1))) ? 0 : 4;
});

figures mq_case(const options& o, bool raw) {
  figures all;
  for (bool bulk : {false, true}) {
    long msg = bulk ? kMqBulkMessage : static_cast<long>(std::max<std::size_t>(o.size, 8));
    std::string to = unique_name("mq-to"), from = unique_name("mq-from");
    auto q1 = ipc::message_queue::create(to, {.max_messages = 10, .message_size = msg});
    auto q2 = ipc::message_queue::create(from, {.max_messages = 10, .message_size = msg});
    if (!q1 || !q2) {
      all.note = "mq: " + (q1 ? q2.error() : q1.error()).message();
      (void)ipc::message_queue::unlink(to);
      (void)ipc::message_queue::unlink(from);
      return all;
    }
    (void)q1->close();
    (void)q2->close();
    pid_t pid = spawn_worker("mq", {},
                             {{"variant", raw ? "raw" : "conduit"},
                              {"role", bulk ? "sink" : "echo"},
                              {"msg", std::to_string(msg)},
                              {"in", to},
                              {"out", from}});
    auto s = open_mq(raw, from, to);
    if (s) {
      if (!bulk) {
        std::vector<std::byte> m(o.size, std::byte{7}), back(static_cast<std::size_t>(msg));
        all.rtt = measure_rtt(o, [&] { return s->send(m) && s->receive(back) > 0; });
        (void)s->send({});
      } else {
        std::vector<std::byte> m(static_cast<std::size_t>(msg), std::byte{1});
        std::vector<std::byte> back(static_cast<std::size_t>(msg));
        auto start = clk::now();
        auto end = start + std::chrono::duration_cast<clk::duration>(o.duration);
        std::uint64_t sent = 0;
        while (clk::now() < end && s->send(m)) sent += m.size();
        (void)s->send({});
        std::uint64_t got = 0;
        long n = s->receive(back);
        if (n == sizeof got) std::memcpy(&got, back.data(), sizeof got);
        double secs = std::chrono::duration<double>(clk::now() - start).count();
        if (got == sent) all.gbps = static_cast<double>(sent) / secs / 1e9;
      }
    }
    if (!reap_worker(pid)) all.note = "peer failed";
    (void)ipc::message_queue::unlink(to);
    (void)ipc::message_queue::unlink(from);
  }
  if (all.note.empty()) all.note = "bulk: 8 KiB messages (the default msgsize_max)";
  return all;
}

registrar r_mq({"mq", "POSIX message queues, 2 processes (raw: blocking mq_send/mq_receive)",
                [](const options& o) { return mq_case(o, false); },
                [](const options& o) { return mq_case(o, true); }});

// ---- shm_ring ----

struct shm_stream final : stream {
  ipc::shm_stream_reader rd;
  ipc::shm_stream_writer wr;
  bool write_all(std::span<const std::byte> b) override { return !wr.write(b).err; }
  bool read_full(std::span<std::byte> b) override {
    while (!b.empty()) {
      long n = read_some(b);
      if (n <= 0) return false;
      b = b.subspan(static_cast<std::size_t>(n));
    }
    return true;
  }
  long read_some(std::span<std::byte> b) override {
    auto n = rd.read(b);
    if (n) return static_cast<long>(*n);
    return n.error() == conduit::errc::eof ? 0 : -1;
  }
  void close_write() override { (void)wr.close(); }
};

std::unique_ptr<shm_stream> open_shm(const std::string& in, const std::string& out) {
  auto rin = ipc::shm_ring::open(in, conduit::deadline::after(10s));
  auto rout = ipc::shm_ring::open(out, conduit::deadline::after(10s));
  if (!rin || !rout) return nullptr;
  auto r = ipc::shm_stream_reader::attach(std::move(*rin));
  auto w = ipc::shm_stream_writer::attach(std::move(*rout));
  if (!r || !w) return nullptr;
  auto s = std::make_unique<shm_stream>();
  s->rd = std::move(*r);
  s->wr = std::move(*w);
  return s;
}

worker_registrar w_shm("shm", [](const std::map<std::string, std::string>& a) {
  auto s = open_shm(a.at("in"), a.at("out"));
  if (!s) return 2;
  return run_role(*s, a);
});

// The floor: one shared word bounced between two spinning processes.
worker_registrar w_spin("spin", [](const std::map<std::string, std::string>& a) {
  int fd = ::shm_open(a.at("name").c_str(), O_RDWR | O_CLOEXEC, 0);
  if (fd < 0) return 2;
  void* p = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) return 2;
  auto* word = static_cast<std::atomic<std::uint64_t>*>(p);
  std::uint64_t last = 0;
  for (;;) {
    std::uint64_t v;
    auto start = clk::now();
    while ((v = word->load(std::memory_order_acquire)) == last || (v & 1) == 0) {
      if (v == ~std::uint64_t{0}) return 0;  // stop
      conduit::runtime::cpu_relax();
      if (clk::now() - start > 10s) return 3;
    }
    last = v + 1;
    word->store(last, std::memory_order_release);
  }
});

figures shm_conduit(const options& o) {
  figures all;
  for (bool bulk : {false, true}) {
    std::string to = unique_name("ring-to"), from = unique_name("ring-from");
    auto r1 = ipc::shm_ring::create(to, ipc::ring_kind::stream, 1 << 20);
    auto r2 = ipc::shm_ring::create(from, ipc::ring_kind::stream, 1 << 20);
    if (!r1 || !r2) {
      all.note = "shm_ring: " + (r1 ? r2.error() : r1.error()).message();
      return all;
    }
    pid_t pid = spawn_worker("shm", {},
                             {{"role", bulk ? "sink" : "echo"},
                              {"size", std::to_string(bulk ? o.bulk_chunk : o.size)},
                              {"in", to},
                              {"out", from}});
    auto s = open_shm(from, to);
    if (s) {
      figures f = measure_stream(o, *s, pid, bulk);
      if (bulk) {
        all.gbps = f.gbps;
      } else {
        all.rtt = f.rtt;
      }
      if (!f.note.empty()) all.note = f.note;
    } else {
      reap_worker(pid, std::chrono::seconds(2));
      all.note = "attach failed";
    }
    (void)ipc::shm_ring::unlink(to);
    (void)ipc::shm_ring::unlink(from);
  }
  return all;
}

figures shm_floor(const options& o) {
  figures f;
  std::string name = unique_name("spin");
  int fd = ::shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 || ::ftruncate(fd, 4096) != 0) return f;
  void* p = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) return f;
  auto* word = static_cast<std::atomic<std::uint64_t>*>(p);
  word->store(0);
  pid_t pid = spawn_worker("spin", {}, {{"name", name}});
  std::uint64_t v = 0;
  f.rtt = measure_rtt(o, [&] {
    word->store(++v, std::memory_order_release);  // odd: the peer's turn
    auto start = clk::now();
    while (word->load(std::memory_order_acquire) != v + 1) {
      conduit::runtime::cpu_relax();
      if (clk::now() - start > 10s) return false;
    }
    ++v;
    return true;
  });
  word->store(~std::uint64_t{0});
  if (!reap_worker(pid)) f.note = "peer failed";
  ::munmap(p, 4096);
  ::shm_unlink(name.c_str());
  // Bulk floor: memcpy of the same chunks into a 1 MiB buffer, one process.
  std::vector<std::byte> src(o.bulk_chunk, std::byte{1}), dst(1 << 20);
  auto start = clk::now();
  auto end = start + std::chrono::duration_cast<clk::duration>(o.duration);
  std::uint64_t copied = 0;
  std::size_t off = 0;
  while (clk::now() < end) {
    std::memcpy(dst.data() + off, src.data(), src.size());
    off = (off + src.size()) % dst.size();
    copied += src.size();
  }
  double secs = std::chrono::duration<double>(clk::now() - start).count();
  if (dst[0] == std::byte{1}) f.gbps = static_cast<double>(copied) / secs / 1e9;
  f.note = "raw: spin on one shared word (round trip), memcpy (bulk)";
  return f;
}

registrar r_shm({"shm_ring",
                 "shared-memory stream rings, 2 processes (raw: the spin floor and memcpy)",
                 shm_conduit, shm_floor});

}  // namespace
}  // namespace cbench
