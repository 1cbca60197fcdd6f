// conduit-bench: every IPC mechanism conduit offers, side by side with raw syscalls (and Go
// when it is installed), as a table, JSON and a self-contained HTML report.
//
//   conduit-bench                       everything, about a minute
//   conduit-bench --quick               everything, a few seconds (a smoke test)
//   conduit-bench --only pipe,chan --duration 2 --json out.json --html out.html
#include <fmt/core.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>

#include "bench.hpp"

extern char** environ;

namespace {

int run_worker(const char* name) {
  auto it = cbench::workers().find(name);
  if (it == cbench::workers().end()) {
    std::fprintf(stderr, "conduit-bench: unknown worker %s\n", name);
    return 97;
  }
  std::map<std::string, std::string> args;
  constexpr char prefix[] = "CONDUIT_BENCH_ARG_";
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, prefix, sizeof prefix - 1) != 0) continue;
    std::string kv = *e + sizeof prefix - 1;
    auto eq = kv.find('=');
    if (eq != std::string::npos) args[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return it->second(args);
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  return static_cast<bool>(f);
}

}  // namespace

int main(int argc, char** argv) {
  if (const char* w = std::getenv("CONDUIT_BENCH_WORKER")) return run_worker(w);

  cbench::options o;
  CLI::App app{"conduit-bench: every IPC mechanism, conduit vs raw syscalls vs Go"};
  std::string only, json_path, html_path;
  double duration = o.duration.count();
  bool quick = false, list = false, no_go = false;
  app.add_option("--only", only, "comma-separated mechanisms to run (see --list)");
  app.add_option("--size", o.size, "round-trip message size in bytes")->check(CLI::Range(1, 4096));
  app.add_option("--duration", duration, "seconds per measurement")->check(CLI::Range(0.01, 60.0));
  app.add_flag("--quick", quick, "tiny durations: a smoke run of everything");
  app.add_option("--json", json_path, "write the results as JSON to this file");
  app.add_option("--html", html_path, "write a self-contained HTML report to this file");
  app.add_flag("--no-go", no_go, "do not run the Go peers even if go is installed");
  bool no_boost = false;
  app.add_flag("--no-boost", no_boost, "do not run the Boost peers even if they were built");
  app.add_flag("--list", list, "list the mechanisms and exit");
  CLI11_PARSE(app, argc, argv);

  if (list) {
    for (const auto& m : cbench::registry()) fmt::print("{:<12} {}\n", m.name, m.title);
    return 0;
  }

  o.duration = std::chrono::duration<double>(quick ? 0.03 : duration);
  o.go = !no_go;
  o.boost = !no_boost;
  o.progress = ::isatty(2) != 0;
  if (!only.empty()) {
    std::string cur;
    for (char c : only + ",") {
      if (c == ',') {
        if (!cur.empty()) o.only.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    std::set<std::string> known;
    for (const auto& m : cbench::registry()) known.insert(m.name);
    for (const auto& n : o.only) {
      if (!known.count(n)) {
        fmt::print(stderr, "conduit-bench: unknown mechanism '{}' (see --list)\n", n);
        return 2;
      }
    }
  }

  // In-process first, then streams, datagrams, kernel queues, shared memory, signals.
  auto& reg = cbench::registry();
  const std::vector<std::string> order = {"chan", "cond", "io_pipe",   "pipe",
                                          "fifo", "unix", "seqpacket", "tcp",
                                          "udp",  "mq",   "shm_ring",  "signal"};
  auto rank = [&](const cbench::mechanism& m) {
    auto it = std::find(order.begin(), order.end(), m.name);
    return it - order.begin();
  };
  std::stable_sort(reg.begin(), reg.end(),
                   [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  std::vector<cbench::mechanism_result> results;
  std::size_t total = 0, done = 0;
  for (const auto& m : reg) {
    if (o.only.empty() || std::find(o.only.begin(), o.only.end(), m.name) != o.only.end()) {
      ++total;
    }
  }
  bool failed = false;
  for (const auto& m : reg) {
    if (!o.only.empty() && std::find(o.only.begin(), o.only.end(), m.name) == o.only.end()) {
      continue;
    }
    ++done;
    cbench::mechanism_result r{m.name, m.title, {}};
    for (const char* variant : {"conduit", "raw"}) {
      const auto& fn = std::strcmp(variant, "conduit") == 0 ? m.conduit : m.raw;
      if (o.progress) {
        fmt::print(stderr, "\r\033[K[{}/{}] {} ({})", done, total, m.name, variant);
      } else {
        fmt::print(stderr, "[{}/{}] {} ({})\n", done, total, m.name, variant);
      }
      if (!fn) {
        r.variants[variant].note = "n/a";
        continue;
      }
      cbench::figures f = fn(o);
      if (std::strcmp(variant, "conduit") == 0 && !f.rtt && !f.gbps && f.note.empty()) {
        failed = true;
        f.note = "failed";
      }
      r.variants[variant] = std::move(f);
    }
    results.push_back(std::move(r));
  }
  if (o.progress) fmt::print(stderr, "\r\033[K");

  std::string go_note;
  if (o.go) {
    go_note = cbench::run_go_peers(results, o);
  } else {
    go_note = "Go peers not run (--no-go)";
  }
  if (!go_note.empty()) fmt::print(stderr, "{}\n", go_note);
  if (o.boost) {
    std::string boost_note = cbench::run_boost_peers(results, o);
    if (!boost_note.empty()) fmt::print(stderr, "{}\n", boost_note);
  }

  cbench::machine_info mi = cbench::read_machine();
  cbench::print_table(results, o);
  if (!json_path.empty() && !write_file(json_path, cbench::to_json(results, mi, o))) {
    fmt::print(stderr, "conduit-bench: cannot write {}\n", json_path);
    return 1;
  }
  if (!html_path.empty() && !write_file(html_path, cbench::to_html(results, mi, o))) {
    fmt::print(stderr, "conduit-bench: cannot write {}\n", html_path);
    return 1;
  }
  if (failed) {
    fmt::print(stderr, "conduit-bench: some conduit measurements failed\n");
    return 1;
  }
  return 0;
}
