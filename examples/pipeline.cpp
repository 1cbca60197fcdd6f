// Pipelines of threads and channels, the Go way.
//
// 1. The prime sieve from Go's documentation: a generator thread sends 2, 3, 4, ... down an
//    unbuffered channel; each prime found starts a filter thread that drops the multiples of
//    that prime, so the chain grows by one thread per prime. Closing one `done` channel stops
//    every stage (Go's cancellation idiom: each send and receive is a select against done).
//
// 2. Fan-out / fan-in: four workers take jobs from one channel (fan-out) and each sends its
//    results on its own channel; a single loop selects over the four result channels and
//    disables each one (nil channel) once its worker has closed it (fan-in).
//
// Every wait is bounded by a deadline, so a bug makes the program fail instead of hang.
// Run with no arguments; exits 0 only when both results are right.
#include <array>
#include <chrono>
#include <conduit/chan.hpp>
#include <conduit/select.hpp>
#include <cstdio>
#include <optional>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using conduit::chan;
using conduit::deadline;
using conduit::recv_case;
using conduit::result;
using conduit::select_until;
using conduit::send_case;

namespace {

struct empty {};  // Go's struct{}: done is only ever closed

// select { case out <- v: case <-done: } -- true when v was sent.
bool send(const chan<int>& out, int v, const chan<empty>& done, deadline d) {
  bool sent = false;
  auto r =
      select_until(d, send_case(out, v, [&](auto s) { sent = s.has_value(); }), recv_case(done));
  return r && sent;
}

// select { case v := <-in: case <-done: } -- the value, or nothing once stopped.
std::optional<int> recv(const chan<int>& in, const chan<empty>& done, deadline d) {
  std::optional<int> got;
  auto r = select_until(d,
                        recv_case(in,
                                  [&](result<int> v) {
                                    if (v) got = *v;
                                  }),
                        recv_case(done));
  return r ? got : std::nullopt;
}

// The first n primes from a chain of filter threads.
std::vector<int> sieve(int n, deadline d) {
  chan<empty> done(0);
  std::vector<std::thread> threads;
  chan<int> ch(0);
  threads.emplace_back([=] {  // generate 2, 3, 4, ...
    for (int i = 2; send(ch, i, done, d); ++i) {
    }
  });
  std::vector<int> primes;
  for (int k = 0; k < n; ++k) {
    auto prime = recv(ch, done, d);
    if (!prime) break;  // the deadline passed
    primes.push_back(*prime);
    chan<int> next(0);
    threads.emplace_back([=, p = *prime] {  // filter: copy from ch to next what p does not divide
      while (auto v = recv(ch, done, d)) {
        if (*v % p != 0 && !send(next, *v, done, d)) return;
      }
    });
    ch = next;
  }
  done.close();  // every stage returns
  for (auto& t : threads) t.join();
  return primes;
}

// The first n primes by trial division, to check the sieve.
std::vector<int> primes_by_trial_division(int n) {
  std::vector<int> primes;
  for (int c = 2; static_cast<int>(primes.size()) < n; ++c) {
    bool prime = true;
    for (int p : primes) prime = prime && c % p != 0;
    if (prime) primes.push_back(c);
  }
  return primes;
}

// Sums the squares of 1..n computed by four workers, merged with select.
long sum_of_squares(int n, deadline d) {
  constexpr int kWorkers = 4;
  chan<int> jobs(16);
  std::array<chan<long>, kWorkers> results = {chan<long>(128), chan<long>(128), chan<long>(128),
                                              chan<long>(128)};
  std::vector<std::thread> threads;
  threads.emplace_back([=] {  // the source
    for (int i = 1; i <= n; ++i) {
      if (!jobs.send_until(i, d)) break;
    }
    jobs.close();
  });
  for (int w = 0; w < kWorkers; ++w) {
    threads.emplace_back([=, out = results[w]] {  // fan-out: every worker takes from jobs
      for (;;) {
        auto job = jobs.recv_until(d);
        if (!job) break;  // closed and drained (or the deadline)
        long v = *job;
        if (!out.send_until(v * v, d)) break;
      }
      out.close();
    });
  }
  // Fan-in: one select over every result channel; a closed one is replaced by a nil
  // channel, whose case is never chosen again. Done when all four are nil.
  long sum = 0;
  std::array<chan<long>, kWorkers> in = results;
  for (int open = kWorkers; open > 0;) {
    auto take = [&](int w) {
      return [&, w](result<long> v) {
        if (v) {
          sum += *v;
        } else {
          in[w] = chan<long>();
          --open;
        }
      };
    };
    if (!select_until(d, recv_case(in[0], take(0)), recv_case(in[1], take(1)),
                      recv_case(in[2], take(2)), recv_case(in[3], take(3)))) {
      std::printf("fan-in: timed out\n");
      sum = -1;
      break;
    }
  }
  for (auto& t : threads) t.join();
  return sum;
}

}  // namespace

int main() {
  const deadline d = deadline::after(20s);
  bool ok = true;

  constexpr int kPrimes = 25;
  std::vector<int> primes = sieve(kPrimes, d);
  bool sieve_ok = primes == primes_by_trial_division(kPrimes);
  std::printf("sieve: %d primes from a chain of %d filter threads:", kPrimes, kPrimes);
  for (int p : primes) std::printf(" %d", p);
  std::printf(" -- %s\n", sieve_ok ? "correct" : "WRONG");
  ok = ok && sieve_ok;

  constexpr int kJobs = 10000;
  long sum = sum_of_squares(kJobs, d);
  const long want = static_cast<long>(kJobs) * (kJobs + 1) * (2 * kJobs + 1) / 6;
  std::printf("fan-out/fan-in: sum of squares 1..%d = %ld -- %s\n", kJobs, sum,
              sum == want ? "correct" : "WRONG");
  ok = ok && sum == want;

  std::printf("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
