// Two processes talking over two FIFOs (named pipes), one per direction.
//
//   $ example_fifo_chat                 creates two FIFOs in a new temp directory, starts
//                                       its peer (this program again, as "peer <dir>"),
//                                       says hello a few times and reads the replies
//   $ example_fifo_chat peer <dir>      the peer: answers every line until the end of stream
//
// Each message is one line of at most os::pipe_buf bytes written with write_atomic, so even
// several writers on one FIFO could never tear a message. open_fifo waits for the other side
// with a deadline, never in a busy loop.
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <conduit/io/io.hpp>
#include <conduit/os/exec.hpp>
#include <conduit/os/fifo.hpp>
#include <cstdio>
#include <filesystem>
#include <string>

namespace os = conduit::os;
using namespace std::chrono_literals;

namespace {

// Reads one '\n'-terminated line from f, keeping what follows it in `pending`.
conduit::result<std::string> read_line(os::file& f, std::string& pending) {
  for (;;) {
    if (auto nl = pending.find('\n'); nl != std::string::npos) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      return line;
    }
    char buf[512];
    auto n = f.read(std::as_writable_bytes(std::span(buf)));
    if (!n) return conduit::fail(n.error());
    pending.append(buf, *n);
  }
}

conduit::io_result say(os::file& f, const std::string& line) {
  return f.write_atomic(conduit::io::as_bytes(line + "\n"));
}

int peer(const std::filesystem::path& dir) {
  auto d = conduit::deadline::after(10s);
  auto in = os::open_fifo(dir / "a2b", os::fifo_end::read, d);
  if (!in) return std::fprintf(stderr, "peer: open a2b: %s\n", in.error().message().c_str()), 1;
  auto out = os::open_fifo(dir / "b2a", os::fifo_end::write, d);
  if (!out) return std::fprintf(stderr, "peer: open b2a: %s\n", out.error().message().c_str()), 1;
  (void)in->set_read_deadline(d);
  std::string pending;
  for (;;) {
    auto line = read_line(*in, pending);
    if (!line) {
      if (line.error() == conduit::errc::eof) return 0;  // the other side hung up
      std::fprintf(stderr, "peer: read: %s\n", line.error().message().c_str());
      return 1;
    }
    if (say(*out, "pid " + std::to_string(::getpid()) + " heard: " + *line).err) return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "peer") return peer(argv[2]);

  char tmpl[] = "/tmp/conduit_fifo_chat_XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return std::perror("mkdtemp"), 1;
  const std::filesystem::path dir = tmpl;
  int rc = 1;
  {
    if (!os::mkfifo(dir / "a2b") || !os::mkfifo(dir / "b2a")) {
      std::fprintf(stderr, "mkfifo failed\n");
    } else {
      os::command other("/proc/self/exe", {"peer", dir.string()});
      if (auto s = other.start(); !s) {
        std::fprintf(stderr, "%s\n", s.error().what().c_str());
      } else {
        auto d = conduit::deadline::after(10s);
        auto out = os::open_fifo(dir / "a2b", os::fifo_end::write, d);
        auto in =
            out ? os::open_fifo(dir / "b2a", os::fifo_end::read, d) : conduit::fail(out.error());
        if (!out || !in) {
          std::fprintf(stderr, "open: %s\n", (out ? in.error() : out.error()).message().c_str());
          (void)other.process().kill();
        } else {
          (void)in->set_read_deadline(d);
          std::string pending;
          rc = 0;
          for (int i = 0; i < 3 && rc == 0; ++i) {
            std::string msg =
                "hello #" + std::to_string(i) + " from pid " + std::to_string(::getpid());
            if (say(*out, msg).err) rc = 1;
            auto reply = read_line(*in, pending);
            if (!reply) {
              std::fprintf(stderr, "read: %s\n", reply.error().message().c_str());
              rc = 1;
            } else {
              std::printf("sent: %s\n got: %s\n", msg.c_str(), reply->c_str());
            }
          }
          (void)out->close();  // the peer reads the end of stream and exits
        }
        auto st = other.wait(conduit::deadline::after(10s));
        if (!st || !st->success()) rc = 1;
        std::printf("peer: %s\n", st ? st->to_string().c_str() : st.error().message().c_str());
      }
    }
  }
  std::filesystem::remove_all(dir);
  return rc;
}
