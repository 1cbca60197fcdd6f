// The Go column: builds bench/peers/go/conduitbench with the installed go and runs it; its
// JSON lines fill the "go" variants.
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bench.hpp"

extern char** environ;

namespace cbench {
namespace {

std::string find_in_path(const std::string& prog) {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    std::string p = dir + "/" + prog;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return {};
}

// Runs argv in dir; returns (exit ok, stdout).
std::pair<bool, std::string> run(const std::vector<std::string>& argv, const std::string& dir,
                                 const std::vector<std::string>& extra_env) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return {false, {}};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  if (!dir.empty()) posix_spawn_file_actions_addchdir_np(&fa, dir.c_str());
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  for (const auto& e : extra_env) env.push_back(e);
  std::vector<char*> envp, args;
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> a = argv;
  for (auto& s : a) args.push_back(s.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  ::close(out[1]);
  std::string text;
  if (rc == 0) {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  if (rc != 0) return {false, {}};
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {WIFEXITED(status) && WEXITSTATUS(status) == 0, text};
}

}  // namespace

// Fills variant `variant` of the results from the peer's JSON lines.
void merge_peer_lines(std::vector<mechanism_result>& results, const std::string& out,
                      const std::string& variant, const std::string& note) {
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("name")) continue;
    for (auto& r : results) {
      if (r.name != j["name"].get<std::string>()) continue;
      figures f;
      if (j.contains("p50_ns")) {
        latency l;
        l.p50_ns = j.value("p50_ns", 0.0);
        l.p99_ns = j.value("p99_ns", 0.0);
        l.mean_ns = j.value("mean_ns", 0.0);
        l.min_ns = j.value("min_ns", 0.0);
        l.max_ns = j.value("max_ns", 0.0);
        l.samples = j.value("samples", std::size_t{0});
        f.rtt = l;
      }
      if (j.contains("gbps")) f.gbps = j["gbps"].get<double>();
      f.note = j.value("note", note);
      r.variants[variant] = f;
    }
  }
}

std::string run_go_peers(std::vector<mechanism_result>& results, const options& o) {
  std::string go = find_in_path("go");
  if (go.empty()) return "Go peers skipped: go is not installed (Debian: golang-go)";
  std::string src = std::string(CONDUIT_SOURCE_DIR) + "/bench/peers/go/conduitbench";
  if (!std::filesystem::exists(src + "/main.go")) return "Go peers skipped: " + src + " missing";
  std::vector<std::string> env;
  if (std::getenv("HOME") == nullptr && std::getenv("GOCACHE") == nullptr) {
    env.push_back("GOCACHE=/tmp/conduit-bench-gocache");
  }
  auto bin =
      std::filesystem::temp_directory_path() / ("conduit-bench-go-" + std::to_string(::getpid()));
  auto [built, build_out] = run({go, "build", "-o", bin.string(), "."}, src, env);
  if (!built) return "Go peers skipped: go build failed in " + src;
  std::string only;
  for (const auto& r : results) only += (only.empty() ? "" : ",") + r.name;
  auto [ok, out] = run({bin.string(), "-duration=" + std::to_string(o.duration.count()),
                        "-size=" + std::to_string(o.size), "-only=" + only},
                       "", env);
  std::filesystem::remove(bin);
  if (!ok) return "Go peers failed";
  merge_peer_lines(results, out, "go", "go " + go);
  return {};
}

}  // namespace cbench

namespace cbench {

std::string run_boost_peers(std::vector<mechanism_result>& results, const options& o) {
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "Boost peers skipped: cannot find this program's directory";
  self[n] = 0;
  auto bin = std::filesystem::path(self).parent_path() / "conduit-bench-boost";
  if (!std::filesystem::exists(bin)) {
    return "Boost peers skipped: conduit-bench-boost was not built (Debian: libboost-dev "
           "libboost-fiber-dev libboost-context-dev)";
  }
  std::string only;
  for (const auto& r : results) only += (only.empty() ? "" : ",") + r.name;
  auto [ok, out] = run({bin.string(), "--duration=" + std::to_string(o.duration.count()),
                        "--size=" + std::to_string(o.size), "--only=" + only},
                       "", {});
  merge_peer_lines(results, out, "boost", "Boost 1.74");
  return ok ? std::string() : "Boost peers failed";
}

}  // namespace cbench
