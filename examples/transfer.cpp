// Money moves between accounts from many threads; each transfer locks two accounts. Taking
// two locks in whatever order the call names them deadlocks (thread 1 moves a -> b while
// thread 2 moves b -> a). Two ways out, both shown, and both checked: money is conserved
// (an auditor sums all accounts while transfers run, and at the end), or it exits non-zero.
//
// 1. lock_all: try-lock and back off, any order is fine.
// 2. ranked_mutex: fixed-order locking (lower rank first), with the lock-order checker on in
//    its strictest mode (rank and cycle checks) to show that no order is ever violated.
#include <atomic>
#include <conduit/sync/lock_all.hpp>
#include <conduit/sync/lock_order.hpp>
#include <conduit/sync/mutex.hpp>
#include <conduit/sync/ranked_mutex.hpp>
#include <cstdio>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <utility>
#include <vector>

namespace {

constexpr int kAccounts = 8;
constexpr long kInitial = 1000;
constexpr int kThreads = 6;
constexpr int kTransfersPerThread = 40000;

template <class Mutex>
struct account {
  Mutex mu;
  long balance = kInitial;  // guarded by mu
  template <class... A>
  explicit account(A&&... a) : mu(std::forward<A>(a)...) {}
};

// Runs transfers on kThreads threads with transfer(from, to, amount), auditing with
// audit() (which returns the total) meanwhile. Returns whether money was conserved.
template <class Transfer, class Audit>
bool run(const char* title, Transfer transfer, Audit audit) {
  constexpr long kExpected = kAccounts * kInitial;
  std::atomic<bool> done{false};
  std::atomic<int> bad_audits{0};
  std::atomic<int> audits{0};
  std::thread auditor([&] {
    while (!done.load()) {
      if (audit() != kExpected) bad_audits.fetch_add(1);
      audits.fetch_add(1);
      std::this_thread::yield();
    }
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      std::minstd_rand rng(static_cast<unsigned>(t) + 1);
      for (int i = 0; i < kTransfersPerThread; ++i) {
        const int from = static_cast<int>(rng() % kAccounts);
        int to = static_cast<int>(rng() % (kAccounts - 1));
        if (to >= from) ++to;  // two distinct accounts
        transfer(from, to, static_cast<long>(rng() % 50));
      }
    });
  }
  for (auto& w : workers) w.join();
  done = true;
  auditor.join();
  const long total = audit();
  std::printf("%s: %d transfers, %d audits (%d wrong), final total %ld (expected %ld)\n", title,
              kThreads * kTransfersPerThread, audits.load(), bad_audits.load(), total, kExpected);
  return bad_audits.load() == 0 && total == kExpected;
}

bool with_lock_all() {
  std::vector<std::unique_ptr<account<conduit::mutex>>> accounts;
  for (int i = 0; i < kAccounts; ++i)
    accounts.push_back(std::make_unique<account<conduit::mutex>>());
  auto transfer = [&](int from, int to, long amount) {
    account<conduit::mutex>& a = *accounts[static_cast<std::size_t>(from)];
    account<conduit::mutex>& b = *accounts[static_cast<std::size_t>(to)];
    conduit::lock_all(a.mu, b.mu);  // in the order named: any order is safe
    std::scoped_lock held(std::adopt_lock, a.mu, b.mu);
    if (a.balance >= amount) {
      a.balance -= amount;
      b.balance += amount;
    }
  };
  auto audit = [&] {
    // Blocking on each in turn is safe here: lock_all never waits while holding a lock, so
    // no transfer can be part of a cycle with the auditor.
    for (auto& acc : accounts) acc->mu.lock();
    long total = 0;
    for (auto& acc : accounts) total += acc->balance;
    for (auto& acc : accounts) acc->mu.unlock();
    return total;
  };
  return run("lock_all", transfer, audit);
}

std::atomic<int> g_reports{0};

bool with_ranked_mutex() {
  conduit::lock_order::set_checks(conduit::lock_order::checks::all);
  const auto previous =
      conduit::lock_order::set_handler([](const conduit::lock_order::violation& v) {
        std::fprintf(stderr, "%s\n", v.message.c_str());
        g_reports.fetch_add(1);
      });
  bool ok = false;
  {
    std::vector<std::unique_ptr<account<conduit::ranked_mutex>>> accounts;
    for (int i = 0; i < kAccounts; ++i) {
      // rank = position in the one global order: lower first.
      accounts.push_back(std::make_unique<account<conduit::ranked_mutex>>(i, "account"));
    }
    auto transfer = [&](int from, int to, long amount) {
      account<conduit::ranked_mutex>& a = *accounts[static_cast<std::size_t>(from)];
      account<conduit::ranked_mutex>& b = *accounts[static_cast<std::size_t>(to)];
      account<conduit::ranked_mutex>& first = from < to ? a : b;
      account<conduit::ranked_mutex>& second = from < to ? b : a;
      std::scoped_lock l1(first.mu);
      std::scoped_lock l2(second.mu);
      if (a.balance >= amount) {
        a.balance -= amount;
        b.balance += amount;
      }
    };
    auto audit = [&] {
      for (auto& acc : accounts) acc->mu.lock();  // ascending ranks
      long total = 0;
      for (auto& acc : accounts) total += acc->balance;
      for (auto it = accounts.rbegin(); it != accounts.rend(); ++it) (*it)->mu.unlock();
      return total;
    };
    ok = run("ranked_mutex", transfer, audit);
  }
  conduit::lock_order::set_handler(previous);
  conduit::lock_order::set_checks(conduit::lock_order::checks::rank);
  std::printf("ranked_mutex: %d lock-order reports\n", g_reports.load());
  return ok && g_reports.load() == 0;
}

}  // namespace

int main() {
  const bool a = with_lock_all();
  const bool b = with_ranked_mutex();
  return a && b ? 0 : 1;
}
