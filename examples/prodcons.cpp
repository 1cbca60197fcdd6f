// A bounded buffer shared by several producers and consumers: conduit::mutex and two
// conduit::conds (not_full, not_empty), the textbook way. Every item is accounted for: each
// is consumed exactly once, and the program exits non-zero otherwise.
//
// Go would use a buffered channel here (conduit::chan<T> does the same); this example shows
// the lower-level tools a channel is made of.
#include <array>
#include <atomic>
#include <conduit/sync/cond.hpp>
#include <conduit/sync/mutex.hpp>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace {

constexpr int kProducers = 4;
constexpr int kConsumers = 3;
constexpr int kItemsPerProducer = 50000;
constexpr std::size_t kSlots = 16;

// A fixed-size FIFO; close() lets consumers drain it and stop.
class bounded_buffer {
 public:
  // Blocks while the buffer is full. Returns false if it was closed.
  bool put(int item) {
    std::unique_lock lock(mu_);
    while (size_ == kSlots && !closed_) not_full_.wait();
    if (closed_) return false;
    slots_[(head_ + size_) % kSlots] = item;
    ++size_;
    lock.unlock();
    not_empty_.signal();
    return true;
  }

  // Blocks while the buffer is empty and open. Returns nothing once closed and drained.
  std::optional<int> take() {
    std::unique_lock lock(mu_);
    while (size_ == 0 && !closed_) not_empty_.wait();
    if (size_ == 0) return std::nullopt;
    const int item = slots_[head_];
    head_ = (head_ + 1) % kSlots;
    --size_;
    lock.unlock();
    not_full_.signal();
    return item;
  }

  void close() {
    {
      std::scoped_lock lock(mu_);
      closed_ = true;
    }
    not_empty_.broadcast();
    not_full_.broadcast();
  }

 private:
  conduit::mutex mu_;
  conduit::cond not_full_{mu_};
  conduit::cond not_empty_{mu_};
  std::array<int, kSlots> slots_{};  // guarded by mu_
  std::size_t head_ = 0;             // guarded by mu_
  std::size_t size_ = 0;             // guarded by mu_
  bool closed_ = false;              // guarded by mu_
};

}  // namespace

int main() {
  constexpr int kTotal = kProducers * kItemsPerProducer;
  bounded_buffer buffer;
  // seen[i] counts how many times item i was consumed: it must end at exactly 1.
  auto seen = std::make_unique<std::atomic<int>[]>(kTotal);
  std::array<long, kConsumers> taken{};

  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&buffer, p] {
      for (int i = 0; i < kItemsPerProducer; ++i) {
        if (!buffer.put(p * kItemsPerProducer + i)) return;
      }
    });
  }
  std::vector<std::thread> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&, c] {
      while (const std::optional<int> item = buffer.take()) {
        seen[static_cast<std::size_t>(*item)].fetch_add(1, std::memory_order_relaxed);
        ++taken[static_cast<std::size_t>(c)];
      }
    });
  }
  for (auto& t : producers) t.join();
  buffer.close();  // the consumers drain what is left, then stop
  for (auto& t : consumers) t.join();

  int missing = 0, duplicated = 0;
  for (int i = 0; i < kTotal; ++i) {
    const int n = seen[static_cast<std::size_t>(i)].load();
    if (n == 0) ++missing;
    if (n > 1) ++duplicated;
  }
  long total_taken = 0;
  for (int c = 0; c < kConsumers; ++c) {
    std::printf("consumer %d took %ld items\n", c, taken[static_cast<std::size_t>(c)]);
    total_taken += taken[static_cast<std::size_t>(c)];
  }
  std::printf("%d producers made %d items; %ld consumed; %d missing, %d duplicated\n", kProducers,
              kTotal, total_taken, missing, duplicated);
  return (missing == 0 && duplicated == 0 && total_taken == kTotal) ? 0 : 1;
}
