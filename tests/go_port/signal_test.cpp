// Behaviours of Go's os/signal, ported from golang/go src/os/signal/signal_test.go
// (TestSignal, TestStress, TestStop, TestAtomicStop, TestNotifyContextStop,
// TestNotifyContextCancelBeforeSignal): same scenarios, conduit's API, OS threads for
// goroutines.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <conduit/select.hpp>
#include <conduit/signal/signal.hpp>
#include <conduit/timer.hpp>
#include <thread>
#include <vector>

#include "support/support.hpp"

namespace conduit::signal {
namespace {

using namespace std::chrono_literals;

// The dispatcher's fds live as long as the process: start it before any fd count is taken.
const int warm_up = [] {
  chan<signal_info> warm(1);
  (void)notify(warm, {SIGUSR1});
  stop(warm);
  return 0;
}();

void wait_sig(const chan<signal_info>& c, int sig) {
  auto s = c.recv_for(10s);
  ASSERT_TRUE(s) << "timeout waiting for " << name(sig);
  EXPECT_EQ(s->signo, sig);
}

// TestSignal: a channel for SIGHUP gets it; a channel for every signal gets SIGWINCH, and
// then SIGHUP goes to both.
TEST(GoSignalTest, SignalGoesToEveryInterestedChannel) {
  chan<signal_info> c(1);
  ASSERT_TRUE(notify(c, {SIGHUP}));
  ASSERT_TRUE(raise(SIGHUP));
  wait_sig(c, SIGHUP);

  chan<signal_info> c1(1);
  ASSERT_TRUE(notify(c1));  // every catchable signal
  ASSERT_TRUE(raise(SIGWINCH));
  wait_sig(c1, SIGWINCH);

  ASSERT_TRUE(raise(SIGHUP));
  wait_sig(c1, SIGHUP);
  wait_sig(c, SIGHUP);
  stop(c1);
  stop(c);
}

// TestStress: signals sent in a loop while the receiver drains; the process survives and
// receives at least some of them.
TEST(GoSignalTest, StressManySignalsWhileReceiving) {
  chan<signal_info> c(1);
  ASSERT_TRUE(notify(c, {SIGUSR1}));
  std::atomic<bool> done{false};
  std::atomic<int> got{0};
  chan<int> first(1);
  test::scoped_thread receiver([&] {
    while (!done.load()) {
      if (c.recv_for(20ms)) {
        ++got;
        (void)first.try_send(1);
      }
    }
  });
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(raise(SIGUSR1));
  EXPECT_TRUE(first.recv_for(10s));  // at least one arrived
  done.store(true);
  receiver.join();
  stop(c);
  EXPECT_GT(got.load(), 0);
}

// TestStop: after stop, the signal is not delivered to that channel (and, with no channel
// left and a disposition of ignore-by-default such as SIGWINCH's, nothing happens).
TEST(GoSignalTest, StopEndsDelivery) {
  for (int sig : {SIGWINCH, SIGUSR1}) {
    chan<signal_info> c(1);
    ASSERT_TRUE(notify(c, {sig}));
    ASSERT_TRUE(raise(sig));
    wait_sig(c, sig);
    stop(c);
    if (sig == SIGWINCH) {
      ASSERT_TRUE(raise(sig));  // default action: ignored; we survive
    }
    chan<signal_info> probe(1);
    ASSERT_TRUE(notify(probe, {sig}));
    ASSERT_TRUE(raise(sig));
    wait_sig(probe, sig);                                // the dispatcher has seen it...
    EXPECT_EQ(c.try_recv().error(), errc::would_block);  // ...and not sent it to c
    stop(probe);
  }
}

// TestAtomicStop: stop races with signals in flight; once stop returns, nothing more is
// ever sent on the channel.
TEST(GoSignalTest, StopIsAtomicWithRespectToDelivery) {
  for (int round = 0; round < 20; ++round) {
    chan<signal_info> c(64);
    ASSERT_TRUE(notify(c, {SIGUSR1}));
    chan<signal_info> keep(64);  // keeps a handler installed after stop(c)
    ASSERT_TRUE(notify(keep, {SIGUSR1}));
    std::atomic<bool> go{true};
    test::scoped_thread sender([&] {
      while (go.load()) (void)raise(SIGUSR1);
    });
    sleep_for(1ms);
    stop(c);
    std::size_t after_stop = c.size();
    sleep_for(5ms);  // signals keep coming while nothing may reach c
    go.store(false);
    sender.join();
    EXPECT_EQ(c.size(), after_stop);
    stop(keep);
  }
}

// TestNotifyContextStop / TestNotifyContextCancelBeforeSignal: stopping restores the
// default; a signal ends the context and names itself.
TEST(GoSignalTest, ShutdownSignalStopsAndCancels) {
  {
    auto sh = shutdown_signal::listen({SIGHUP});
    ASSERT_TRUE(sh);
    sh->stop();
    sh->stop();  // idempotent
    EXPECT_EQ(sh->done().recv_for(10ms).error(), errc::timeout);
  }
  auto sh = shutdown_signal::listen({SIGINT});
  ASSERT_TRUE(sh);
  ASSERT_TRUE(raise(SIGINT));
  bool closed = false;
  select(recv_case(sh->done(), [&](result<signal_info> r) { closed = !r; }), recv_case(after(10s)));
  EXPECT_TRUE(closed);
  ASSERT_TRUE(sh->cause());
  EXPECT_EQ(sh->cause()->signo, SIGINT);
}

}  // namespace
}  // namespace conduit::signal
