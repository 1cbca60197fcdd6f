// A bounded queue of 16 slots, one producer and one consumer, built from a mutex and two
// condition variables: conduit::mutex + conduit::cond against std::mutex +
// std::condition_variable. One iteration is one item through the queue.
#include <benchmark/benchmark.h>

#include <array>
#include <condition_variable>
#include <conduit/sync/cond.hpp>
#include <conduit/sync/mutex.hpp>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>

namespace {

constexpr std::size_t kSlots = 16;

struct conduit_queue {
  conduit::mutex mu;
  conduit::cond not_full{mu};
  conduit::cond not_empty{mu};
  std::array<std::int64_t, kSlots> buf{};
  std::size_t head = 0, size = 0;

  void push(std::int64_t v) {
    std::unique_lock lock(mu);
    while (size == kSlots) not_full.wait();
    buf[(head + size) % kSlots] = v;
    ++size;
    lock.unlock();
    not_empty.signal();
  }
  std::int64_t pop() {
    std::unique_lock lock(mu);
    while (size == 0) not_empty.wait();
    const std::int64_t v = buf[head];
    head = (head + 1) % kSlots;
    --size;
    lock.unlock();
    not_full.signal();
    return v;
  }
};

struct std_queue {
  std::mutex mu;
  std::condition_variable not_full;
  std::condition_variable not_empty;
  std::array<std::int64_t, kSlots> buf{};
  std::size_t head = 0, size = 0;

  void push(std::int64_t v) {
    std::unique_lock lock(mu);
    while (size == kSlots) not_full.wait(lock);
    buf[(head + size) % kSlots] = v;
    ++size;
    lock.unlock();
    not_empty.notify_one();
  }
  std::int64_t pop() {
    std::unique_lock lock(mu);
    while (size == 0) not_empty.wait(lock);
    const std::int64_t v = buf[head];
    head = (head + 1) % kSlots;
    --size;
    lock.unlock();
    not_full.notify_one();
    return v;
  }
};

template <class Queue>
void producer_consumer(benchmark::State& state) {
  Queue q;
  const std::int64_t n = static_cast<std::int64_t>(state.max_iterations);
  std::int64_t sum = 0;
  std::thread consumer([&] {
    for (std::int64_t i = 0; i < n; ++i) sum += q.pop();
  });
  std::int64_t i = 0;
  for (auto _ : state) q.push(i++);
  consumer.join();
  if (sum != n * (n - 1) / 2) state.SkipWithError("items lost");
  state.SetItemsProcessed(state.iterations());
}

void BM_ConduitCondProducerConsumer(benchmark::State& state) {
  producer_consumer<conduit_queue>(state);
}
void BM_StdCondProducerConsumer(benchmark::State& state) { producer_consumer<std_queue>(state); }

}  // namespace

BENCHMARK(BM_ConduitCondProducerConsumer)->UseRealTime();
BENCHMARK(BM_StdCondProducerConsumer)->UseRealTime();
