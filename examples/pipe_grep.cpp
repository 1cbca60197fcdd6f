// `ps aux | grep <word>`, twice: with os::pipeline (every stage's status, as bash's
// PIPESTATUS), and by hand with stdout_pipe / stdin_pipe and io::copy in between (which
// moves the bytes with splice(2), never through this process's memory).
//
//   $ example_pipe_grep [word]     (default: "pipe_grep", which matches this program)
//
// Exits 0 when both ways found the word. Without procps' `ps`, it lists /proc/*/comm
// instead.
#include <chrono>
#include <conduit/io/copy.hpp>
#include <conduit/os/exec.hpp>
#include <cstdio>
#include <string>
#include <thread>

namespace os = conduit::os;
using namespace std::chrono_literals;

namespace {

// `ps aux`, or a stand-in when ps is not installed.
os::command lister() {
  auto probe = os::command("ps", {"--version"});
  probe.stdout_to(os::stdio::null());
  if (probe.run(conduit::deadline::after(10s))) return os::command("ps", {"aux"});
  std::fprintf(stderr, "(no ps here: listing /proc/*/comm instead)\n");
  return os::command("sh", {"-c", "cat /proc/[0-9]*/comm"});
}

int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string word = argc > 1 ? argv[1] : "pipe_grep";
  const auto d = conduit::deadline::after(30s);

  // 1. With os::pipeline.
  os::pipeline p(lister(), os::command("grep", {word}));
  auto out = p.output(d);
  if (!out) {
    std::fprintf(stderr, "pipeline: %s\n", out.error().what().c_str());
    return 1;
  }
  std::printf("pipeline: %d matching line(s); statuses:", count_lines(out->out));
  for (const auto& s : out->statuses) std::printf(" [%s]", s.to_string().c_str());
  std::printf("\n%s", out->out.c_str());

  // 2. By hand: ps's stdout -> (io::copy, splice) -> grep's stdin; grep's stdout -> us.
  os::command ps = lister();
  os::command grep("grep", {word});
  auto ps_out = ps.stdout_pipe();
  auto grep_in = grep.stdin_pipe();
  auto grep_out = grep.stdout_pipe();
  if (!ps_out || !grep_in || !grep_out) {
    std::fprintf(stderr, "pipes: out of fds\n");
    return 1;
  }
  if (auto s = ps.start(); !s) {
    std::fprintf(stderr, "%s\n", s.error().what().c_str());
    return 1;
  }
  if (auto s = grep.start(); !s) {
    std::fprintf(stderr, "%s\n", s.error().what().c_str());
    return 1;
  }
  (void)ps_out->set_read_deadline(d);
  (void)grep_in->set_write_deadline(d);
  (void)grep_out->set_read_deadline(d);
  // grep's output is read on its own thread while we feed its input: otherwise a grep with
  // a lot to say would fill its stdout pipe, stop reading, and both sides would wait.
  std::string matches;
  std::thread collector([&] {
    char buf[4096];
    for (;;) {
      auto n = grep_out->read(std::as_writable_bytes(std::span(buf)));
      if (!n) break;
      matches.append(buf, *n);
    }
  });
  auto [copied, copy_err] = conduit::io::copy(*grep_in, *ps_out);
  (void)grep_in->close();  // grep sees the end of its input
  collector.join();
  auto ps_status = ps.wait(d);
  auto grep_status = grep.wait(d);
  if (copy_err || !ps_status || !grep_status) {
    std::fprintf(stderr, "by hand: copy %s\n", copy_err ? copy_err.message().c_str() : "ok");
    return 1;
  }
  std::printf("by hand: copied %zu bytes; %d matching line(s); ps [%s], grep [%s]\n", copied,
              count_lines(matches), ps_status->to_string().c_str(),
              grep_status->to_string().c_str());
  return out->statuses.back().success() && grep_status->success() ? 0 : 1;
}
