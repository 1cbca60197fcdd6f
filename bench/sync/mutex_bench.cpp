// conduit::mutex against std::mutex: uncontended lock/unlock, and two threads contending for
// one lock with a tiny critical section. Reported per lock/unlock pair; for the contended
// runs, items_per_second counts the pairs of both threads (ns/op = 1e9 / items_per_second).
#include <benchmark/benchmark.h>

#include <conduit/sync/mutex.hpp>
#include <conduit/sync/rw_mutex.hpp>
#include <mutex>
#include <shared_mutex>

namespace {

template <class Mutex>
void uncontended(benchmark::State& state) {
  Mutex mu;
  long counter = 0;
  for (auto _ : state) {
    mu.lock();
    ++counter;
    mu.unlock();
  }
  benchmark::DoNotOptimize(counter);
  state.SetItemsProcessed(state.iterations());
}

template <class Mutex>
struct shared_state {
  static inline Mutex mu;
  static inline long counter = 0;
};

template <class Mutex>
void contended(benchmark::State& state) {
  using s = shared_state<Mutex>;
  for (auto _ : state) {
    s::mu.lock();
    ++s::counter;
    s::mu.unlock();
  }
  state.SetItemsProcessed(state.iterations());
}

template <class Mutex>
void rw_readers(benchmark::State& state) {
  using s = shared_state<Mutex>;
  long sum = 0;
  for (auto _ : state) {
    s::mu.lock_shared();
    sum += s::counter;
    s::mu.unlock_shared();
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
}

void BM_ConduitMutexUncontended(benchmark::State& state) { uncontended<conduit::mutex>(state); }
void BM_StdMutexUncontended(benchmark::State& state) { uncontended<std::mutex>(state); }
void BM_ConduitMutexContended(benchmark::State& state) { contended<conduit::mutex>(state); }
void BM_StdMutexContended(benchmark::State& state) { contended<std::mutex>(state); }
void BM_ConduitRwMutexReaders(benchmark::State& state) { rw_readers<conduit::rw_mutex>(state); }
void BM_StdSharedMutexReaders(benchmark::State& state) { rw_readers<std::shared_mutex>(state); }

}  // namespace

BENCHMARK(BM_ConduitMutexUncontended);
BENCHMARK(BM_StdMutexUncontended);
BENCHMARK(BM_ConduitMutexContended)->Threads(2)->UseRealTime();
BENCHMARK(BM_StdMutexContended)->Threads(2)->UseRealTime();
BENCHMARK(BM_ConduitRwMutexReaders)->Threads(2)->UseRealTime();
BENCHMARK(BM_StdSharedMutexReaders)->Threads(2)->UseRealTime();
