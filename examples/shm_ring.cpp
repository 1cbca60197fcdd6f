// shm_ring: a producer process and a consumer process share one stream of records through a
// message ring in shared memory. The producer (this process) creates the ring, starts the
// consumer (this program again, with the argument "consumer"), sends kRecords records of
// varying sizes and closes; the consumer receives them until errc::eof, checks each one and
// the totals, and reports them through its exit status. Exits 0 only if every record arrived
// whole and in order. The ring's name is removed at the end, whatever happens.
//
//   $ ./example_shm_ring
//   producer: sent 20000 records, 2.6 MB
//   consumer: received 20000 records, 2.6 MB, checksum ok
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <conduit/ipc/shm_ring.hpp>
#include <conduit/runtime/park.hpp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace ipc = conduit::ipc;
using namespace std::chrono_literals;

namespace {

constexpr std::uint32_t kRecords = 20000;

// Record i: a header {i, size, checksum} then `size` bytes, all derived from i.
struct record_header {
  std::uint32_t seq;
  std::uint32_t size;
  std::uint64_t checksum;
};

std::uint32_t payload_size(std::uint32_t i) { return (i * 7919u) % 250u; }
std::byte payload_byte(std::uint32_t i, std::uint32_t k) {
  return static_cast<std::byte>((i * 31u + k * 17u) & 0xffu);
}
std::uint64_t checksum(const std::byte* p, std::size_t n) {
  std::uint64_t h = 1469598103934665603ull;
  for (std::size_t k = 0; k < n; ++k) h = (h ^ static_cast<std::uint64_t>(p[k])) * 1099511628211ull;
  return h;
}

int consumer(const char* name) {
  auto ring = ipc::shm_ring::open(name, conduit::deadline::after(10s));
  if (!ring) {
    std::fprintf(stderr, "consumer: open %s: %s\n", name, ring.error().message().c_str());
    return 2;
  }
  auto in = ipc::shm_message_receiver::attach(*ring);
  if (!in) {
    std::fprintf(stderr, "consumer: attach: %s\n", in.error().message().c_str());
    return 2;
  }
  std::vector<std::byte> buf(in->max_message());
  std::uint32_t count = 0;
  std::uint64_t bytes = 0;
  for (;;) {
    auto n = in->receive(buf, conduit::deadline::after(10s));
    if (!n) {
      if (n.error() == conduit::errc::eof) break;
      std::fprintf(stderr, "consumer: receive: %s\n", n.error().message().c_str());
      return 3;
    }
    record_header h;
    if (*n < sizeof h) return 4;
    std::memcpy(&h, buf.data(), sizeof h);
    const std::byte* payload = buf.data() + sizeof h;
    bool ok = h.seq == count && h.size == payload_size(count) && *n == sizeof h + h.size &&
              checksum(payload, h.size) == h.checksum;
    for (std::uint32_t k = 0; ok && k < h.size; ++k) ok = payload[k] == payload_byte(count, k);
    if (!ok) {
      std::fprintf(stderr, "consumer: record %u is damaged or out of order\n", count);
      return 5;
    }
    ++count;
    bytes += *n;
  }
  if (count != kRecords) {
    std::fprintf(stderr, "consumer: %u records, want %u\n", count, kRecords);
    return 6;
  }
  std::printf("consumer: received %u records, %.1f MB, checksum ok\n", count, bytes / 1e6);
  return 0;
}

// Starts this program as the consumer of `name`; returns its pid (or -1).
pid_t start_consumer(const std::string& name) {
  char exe[] = "/proc/self/exe";
  char role[] = "consumer";
  std::string n = name;
  char* argv[] = {exe, role, n.data(), nullptr};
  pid_t pid = -1;
  if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv, environ) != 0) return -1;
  return pid;
}

// Waits for the child (through the runtime, on a pidfd) until the deadline; its exit status,
// or -1 (then it is killed).
int wait_child(pid_t pid, conduit::deadline d) {
  int pfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pfd >= 0) {
    while (!d.passed() && conduit::runtime::wait_fd(pfd, conduit::runtime::interest::read, d) !=
                              conduit::runtime::fd_wait::ready) {
    }
    ::close(pfd);
  }
  int status = 0;
  if (::waitpid(pid, &status, d.passed() ? WNOHANG : 0) != pid) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int producer() {
  const std::string name = "/conduit_example_shm_ring_" + std::to_string(::getpid());
  auto ring = ipc::shm_ring::create(name, ipc::ring_kind::message, 64 * 1024);
  if (!ring) {
    std::fprintf(stderr, "producer: create %s: %s\n", name.c_str(), ring.error().message().c_str());
    return 1;
  }
  struct unlink_at_exit {
    std::string name;
    ~unlink_at_exit() { (void)ipc::shm_ring::unlink(name); }
  } cleanup{name};
  auto out = ipc::shm_message_sender::attach(*ring);
  if (!out) return 1;
  pid_t child = start_consumer(name);
  if (child < 0) {
    std::fprintf(stderr, "producer: cannot start the consumer\n");
    return 1;
  }
  std::vector<std::byte> rec(sizeof(record_header) + 256);
  std::uint64_t bytes = 0;
  int rc = 0;
  for (std::uint32_t i = 0; i < kRecords; ++i) {
    record_header h{i, payload_size(i), 0};
    for (std::uint32_t k = 0; k < h.size; ++k) rec[sizeof h + k] = payload_byte(i, k);
    h.checksum = checksum(rec.data() + sizeof h, h.size);
    std::memcpy(rec.data(), &h, sizeof h);
    auto sent = out->send(std::span(rec.data(), sizeof h + h.size), conduit::deadline::after(10s));
    if (!sent) {
      std::fprintf(stderr, "producer: send: %s\n", sent.error().message().c_str());
      rc = 1;
      break;
    }
    bytes += sizeof h + h.size;
  }
  (void)out->close();  // the consumer gets errc::eof after the last record
  if (rc == 0) std::printf("producer: sent %u records, %.1f MB\n", kRecords, bytes / 1e6);
  std::fflush(stdout);
  int status = wait_child(child, conduit::deadline::after(60s));
  if (status != 0) {
    std::fprintf(stderr, "producer: the consumer failed (status %d)\n", status);
    return 1;
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "consumer") == 0) return consumer(argv[2]);
  return producer();
}
