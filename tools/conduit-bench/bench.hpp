// conduit-bench's harness: mechanisms, measurements, worker processes, reports.
#ifndef CONDUIT_TOOLS_BENCH_HPP
#define CONDUIT_TOOLS_BENCH_HPP

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cbench {

struct options {
  std::size_t size = 64;                        // round-trip message size
  std::size_t bulk_chunk = 64 * 1024;           // bulk write size
  std::chrono::duration<double> duration{0.4};  // per measurement
  std::vector<std::string> only;                // mechanism names; empty: all
  bool go = true;                               // run the Go peers when go is installed
  bool boost = true;                            // run the Boost peers when they were built
  bool progress = false;                        // a progress line on the terminal
};

// Round-trip latency samples summarised.
struct latency {
  double p50_ns = 0, p99_ns = 0, mean_ns = 0, min_ns = 0, max_ns = 0;
  std::size_t samples = 0;
};

// One side's figures for one mechanism (a "variant": conduit, raw, go, ...).
struct figures {
  std::optional<latency> rtt;
  std::optional<double> gbps;  // bulk throughput, GB/s (1e9 bytes per second)
  std::string note;            // why a figure is missing, or how it was made
};

struct mechanism_result {
  std::string name;                         // "pipe"
  std::string title;                        // "anonymous pipe, 2 processes"
  std::map<std::string, figures> variants;  // "conduit", "raw", "go"
};

// A mechanism: how to measure it with conduit and with raw syscalls.
struct mechanism {
  std::string name;
  std::string title;
  std::function<figures(const options&)> conduit;
  std::function<figures(const options&)> raw;
};

// The registry, filled by each cases_*.cpp at static-initialisation time.
std::vector<mechanism>& registry();
struct registrar {
  explicit registrar(mechanism m) { registry().push_back(std::move(m)); }
};

// Worker processes: this binary re-executed with CONDUIT_BENCH_WORKER=<name>; fds passed as
// 3, 4, ... in order. A worker function returns the process's exit code.
using worker_fn = std::function<int(const std::map<std::string, std::string>& args)>;
std::map<std::string, worker_fn>& workers();
struct worker_registrar {
  worker_registrar(const std::string& name, worker_fn f) { workers()[name] = std::move(f); }
};

// Starts a worker; fds[i] becomes fd 3+i in it; args are passed as CONDUIT_BENCH_ARG_<k>.
// Returns its pid, or -1.
pid_t spawn_worker(const std::string& name, const std::vector<int>& fds,
                   const std::map<std::string, std::string>& args = {});
// Waits for a worker to exit (bounded: kills it after `limit`); returns true on exit 0.
bool reap_worker(pid_t pid, std::chrono::seconds limit = std::chrono::seconds(30));

// Runs fn for each round until the duration is spent (at least min_rounds), timing each
// round; returns the summary. fn returns false on failure (the measurement is abandoned).
std::optional<latency> measure_rtt(const options& o, const std::function<bool()>& round);
latency summarise(std::vector<double>& samples_ns);

// Machine facts for the report.
struct machine_info {
  std::string cpu_model, kernel, hostname;
  unsigned cpus = 0;
};
machine_info read_machine();

// Reports.
void print_table(const std::vector<mechanism_result>& results, const options& o);
std::string to_json(const std::vector<mechanism_result>& results, const machine_info& m,
                    const options& o);
std::string to_html(const std::vector<mechanism_result>& results, const machine_info& m,
                    const options& o);

// Go peers: runs bench/peers/go/conduitbench if go is installed; fills "go" variants.
// Returns a note for the report when they were skipped.
std::string run_go_peers(std::vector<mechanism_result>& results, const options& o);
// Boost peers: runs conduit-bench-boost (built when Boost is installed) from this program's
// directory; fills "boost" variants (Asio, Interprocess, Fiber).
std::string run_boost_peers(std::vector<mechanism_result>& results, const options& o);
void merge_peer_lines(std::vector<mechanism_result>& results, const std::string& out,
                      const std::string& variant, const std::string& note);

}  // namespace cbench

#endif  // CONDUIT_TOOLS_BENCH_HPP
