// The runtime's park/unpark as sync/ uses it: two threads hand a turn back and forth with
// runtime::current() / parker::unpark() / runtime::park(). One iteration is a round trip
// (two hand-offs).
#include <benchmark/benchmark.h>

#include <atomic>
#include <conduit/runtime/park.hpp>
#include <conduit/runtime/parking_lot.hpp>
#include <thread>

namespace {

void BM_ParkUnparkPingPong(benchmark::State& state) {
  std::atomic<int> turn{0};
  std::atomic<conduit::runtime::parker*> main_parker{&conduit::runtime::current()};
  std::atomic<conduit::runtime::parker*> peer_parker{nullptr};
  std::atomic<bool> stop{false};
  std::thread peer([&] {
    peer_parker.store(&conduit::runtime::current());
    for (;;) {
      while (turn.load(std::memory_order_acquire) != 1) {
        if (stop.load(std::memory_order_acquire)) return;
        (void)conduit::runtime::park(conduit::deadline::never());
      }
      turn.store(0, std::memory_order_release);
      main_parker.load()->unpark();
    }
  });
  while (peer_parker.load() == nullptr) std::this_thread::yield();
  conduit::runtime::parker* p = peer_parker.load();
  for (auto _ : state) {
    turn.store(1, std::memory_order_release);
    p->unpark();
    while (turn.load(std::memory_order_acquire) != 0) {
      (void)conduit::runtime::park(conduit::deadline::never());
    }
  }
  stop.store(true, std::memory_order_release);
  p->unpark();
  peer.join();
  state.SetItemsProcessed(state.iterations() * 2);
}

// The same hand-off through the parking lot (park_on / unpark_one on one key), as the sync/
// types use it.
void BM_ParkingLotPingPong(benchmark::State& state) {
  std::atomic<int> turn{0};
  std::atomic<bool> stop{false};
  auto wait_for = [&](int me) {
    while (turn.load(std::memory_order_acquire) != me) {
      if (stop.load(std::memory_order_acquire)) return false;
      (void)conduit::runtime::park_on(
          &turn,
          [&] {
            return turn.load(std::memory_order_relaxed) != me &&
                   !stop.load(std::memory_order_relaxed);
          },
          conduit::deadline::never());
    }
    return true;
  };
  auto pass_to = [&](int other) {
    turn.store(other, std::memory_order_release);
    (void)conduit::runtime::unpark_all(&turn);
  };
  std::thread peer([&] {
    while (wait_for(1)) pass_to(0);
  });
  for (auto _ : state) {
    pass_to(1);
    wait_for(0);
  }
  stop.store(true, std::memory_order_release);
  (void)conduit::runtime::unpark_all(&turn);
  peer.join();
  state.SetItemsProcessed(state.iterations() * 2);
}

}  // namespace

BENCHMARK(BM_ParkUnparkPingPong)->UseRealTime();
BENCHMARK(BM_ParkingLotPingPong)->UseRealTime();
