// conduit::lock_order: the per-thread held list, the rank check and the lockdep-style graph.
//
// Invariants:
//   enabled        the checks bit set; read relaxed on every ranked_mutex lock. Changing it
//                  while ranked mutexes are held is allowed but only locks taken with checks
//                  on are on the held lists (ranked_mutex::tracked_ says which).
//   t_held         per thread: the ranked mutexes this thread holds that it locked with checks
//                  on, in acquisition order; a mutex is on it exactly when its tracked_ is set.
//   g_graph        guarded by g_graph_mu (a plain conduit::mutex, itself unchecked): nodes
//                  keyed by ranked_mutex::id() (never reused), each with its out- and in-edges
//                  (the acquisition orders "held -> acquired" seen so far). A node is removed
//                  with its edges when its mutex is destroyed, so names in it stay valid.
//   g_graph_used   set once graph checks were ever on; until then destructors skip the graph.
//
//   Reports are built under g_graph_mu but delivered after it is released, on the thread that
//   is locking, before it blocks.
#include <algorithm>
#include <conduit/error.hpp>
#include <conduit/sync/lock_order.hpp>
#include <conduit/sync/mutex.hpp>
#include <conduit/sync/ranked_mutex.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace conduit {
namespace lock_order {
namespace internal {

constinit std::atomic<unsigned> enabled{static_cast<unsigned>(checks::rank)};

}  // namespace internal

namespace {

constexpr int kMaxHeld = 64;

struct held_list {
  ranked_mutex* locks[kMaxHeld];
  int n;
};
constinit thread_local held_list t_held{};

constinit std::atomic<handler> g_handler{nullptr};

struct node {
  const char* name;
  int rank;
  std::vector<std::uint64_t> out;
  std::vector<std::uint64_t> in;
};
using graph = std::unordered_map<std::uint64_t, node>;

constinit mutex g_graph_mu;
constinit graph* g_graph = nullptr;  // guarded by g_graph_mu; created on first use
constinit std::atomic<bool> g_graph_used{false};
constinit std::atomic<std::uint64_t> g_next_id{1};

std::string quoted(const char* name) { return std::string("\"") + name + "\""; }

void deliver(const violation& v) {
  const handler h = g_handler.load(std::memory_order_acquire);
  (h != nullptr ? h : abort_handler)(v);
}

violation rank_violation(const ranked_mutex& acquired, const ranked_mutex& held) {
  violation v;
  v.what = violation::kind::rank_inversion;
  v.acquired = acquired.name();
  v.acquired_rank = acquired.rank();
  v.held = held.name();
  v.held_rank = held.rank();
  v.message = "lock order: acquiring " + quoted(acquired.name()) + " (rank " +
              std::to_string(acquired.rank()) + ") while holding " + quoted(held.name()) +
              " (rank " + std::to_string(held.rank()) + ")";
  return v;
}

node& node_of(graph& g, const ranked_mutex& m) {
  auto [it, inserted] = g.try_emplace(m.id());
  if (inserted) {
    it->second.name = m.name();
    it->second.rank = m.rank();
  }
  return it->second;
}

// A path from `from` to `to` in g (node ids, both ends included), or empty.
std::vector<std::uint64_t> find_path(const graph& g, std::uint64_t from, std::uint64_t to) {
  std::unordered_map<std::uint64_t, std::uint64_t> parent;  // visited node -> predecessor
  std::vector<std::uint64_t> frontier{from};
  parent.emplace(from, from);
  for (std::size_t i = 0; i < frontier.size(); ++i) {
    const std::uint64_t at = frontier[i];
    if (at == to) {
      std::vector<std::uint64_t> path{to};
      for (std::uint64_t p = to; p != from;) {
        p = parent.at(p);
        path.push_back(p);
      }
      std::reverse(path.begin(), path.end());
      return path;
    }
    const auto it = g.find(at);
    if (it == g.end()) continue;
    for (const std::uint64_t next : it->second.out) {
      if (parent.emplace(next, at).second) frontier.push_back(next);
    }
  }
  return {};
}

// Records held -> m for every held lock; returns the cycles that new edges closed.
std::vector<violation> record_edges(const held_list& held, const ranked_mutex& m) {
  std::vector<violation> found;
  lock_guard lock(g_graph_mu);
  if (g_graph == nullptr) g_graph = new graph();
  graph& g = *g_graph;
  node_of(g, m);
  for (int i = 0; i < held.n; ++i) {
    const ranked_mutex& h = *held.locks[i];
    node& hn = node_of(g, h);
    if (std::find(hn.out.begin(), hn.out.end(), m.id()) != hn.out.end()) continue;
    // A new edge h -> m closes a cycle when m already reaches h.
    std::vector<std::uint64_t> path = find_path(g, m.id(), h.id());
    hn.out.push_back(m.id());
    if (h.id() != m.id()) g.at(m.id()).in.push_back(h.id());
    if (path.empty()) continue;
    violation v;
    v.what = violation::kind::cycle;
    v.acquired = m.name();
    v.acquired_rank = m.rank();
    v.held = h.name();
    v.held_rank = h.rank();
    path.push_back(m.id());
    std::string cycle;
    for (const std::uint64_t id : path) {
      const char* name = g.at(id).name;
      v.cycle.emplace_back(name);
      if (!cycle.empty()) cycle += " -> ";
      cycle += quoted(name);
    }
    v.message = "lock order: potential deadlock: cycle " + cycle + " (acquiring " +
                quoted(m.name()) + " while holding " + quoted(h.name()) + ")";
    found.push_back(std::move(v));
  }
  return found;
}

checks from_env() noexcept {
  const char* s = std::getenv("CONDUIT_LOCK_ORDER");
  if (s == nullptr) return checks::rank;
  if (std::strcmp(s, "off") == 0 || std::strcmp(s, "none") == 0) return checks::none;
  if (std::strcmp(s, "graph") == 0) return checks::graph;
  if (std::strcmp(s, "all") == 0) return checks::all;
  return checks::rank;
}

// Applies CONDUIT_LOCK_ORDER at start-up (locks taken before this runs use the default).
[[maybe_unused]] const bool g_env_applied = [] {
  const checks c = from_env();
  if (c != checks::rank) set_checks(c);
  return true;
}();

}  // namespace

void set_checks(checks c) noexcept {
  const unsigned bits = static_cast<unsigned>(c) & static_cast<unsigned>(checks::all);
  const unsigned before = internal::enabled.exchange(bits, std::memory_order_relaxed);
  if ((bits & static_cast<unsigned>(checks::graph)) != 0 &&
      (before & static_cast<unsigned>(checks::graph)) == 0) {
    g_graph_used.store(true, std::memory_order_relaxed);
    lock_guard lock(g_graph_mu);
    if (g_graph != nullptr) g_graph->clear();
  }
}

checks enabled_checks() noexcept {
  return static_cast<checks>(internal::enabled.load(std::memory_order_relaxed));
}

handler set_handler(handler h) noexcept { return g_handler.exchange(h, std::memory_order_acq_rel); }

void abort_handler(const violation& v) noexcept { fatal(v.message.c_str()); }

namespace internal {

void before_blocking_lock(const ranked_mutex& m) noexcept {
  const unsigned c = enabled.load(std::memory_order_relaxed);
  const held_list& held = t_held;
  if (held.n == 0) {
    if ((c & static_cast<unsigned>(checks::graph)) != 0) {
      // Make the lock known, so that reports can name it later.
      lock_guard lock(g_graph_mu);
      if (g_graph == nullptr) g_graph = new graph();
      node_of(*g_graph, m);
    }
    return;
  }
  if ((c & static_cast<unsigned>(checks::rank)) != 0) {
    const ranked_mutex* top = held.locks[0];
    for (int i = 1; i < held.n; ++i) {
      if (held.locks[i]->rank() >= top->rank()) top = held.locks[i];
    }
    if (m.rank() <= top->rank()) deliver(rank_violation(m, *top));
  }
  if ((c & static_cast<unsigned>(checks::graph)) != 0) {
    for (const violation& v : record_edges(held, m)) deliver(v);
  }
}

void acquired(ranked_mutex& m) noexcept {
  held_list& held = t_held;
  if (held.n == kMaxHeld) fatal("lock order: more than 64 ranked mutexes held by one thread");
  held.locks[held.n++] = &m;
  m.tracked_ = true;
}

void released(ranked_mutex& m) noexcept {
  held_list& held = t_held;
  for (int i = held.n; i-- > 0;) {
    if (held.locks[i] == &m) {
      std::copy(held.locks + i + 1, held.locks + held.n, held.locks + i);
      --held.n;
      m.tracked_ = false;
      return;
    }
  }
  const std::string what = "lock order: ranked_mutex " + quoted(m.name()) +
                           " unlocked by a thread that does not hold it";
  fatal(what.c_str());
}

void forget(const ranked_mutex& m) noexcept {
  if (!g_graph_used.load(std::memory_order_relaxed)) return;
  lock_guard lock(g_graph_mu);
  if (g_graph == nullptr) return;
  const auto it = g_graph->find(m.id());
  if (it == g_graph->end()) return;
  for (const std::uint64_t to : it->second.out) {
    if (const auto t = g_graph->find(to); t != g_graph->end()) std::erase(t->second.in, m.id());
  }
  for (const std::uint64_t from : it->second.in) {
    if (const auto f = g_graph->find(from); f != g_graph->end()) std::erase(f->second.out, m.id());
  }
  g_graph->erase(it);
}

std::uint64_t next_id() noexcept { return g_next_id.fetch_add(1, std::memory_order_relaxed); }

}  // namespace internal
}  // namespace lock_order

ranked_mutex::ranked_mutex(int rank, const char* name) noexcept
    : rank_(rank), name_(name != nullptr ? name : "?"), id_(lock_order::internal::next_id()) {}

ranked_mutex::~ranked_mutex() { lock_order::internal::forget(*this); }

}  // namespace conduit
