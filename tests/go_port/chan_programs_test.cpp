// Behaviour ported from Go's channel test programs: golang/go test/chan/*.go (select.go,
// doubleselect.go, nonblock.go, sieve1.go, sieve2.go, fifo.go, goroutines.go, select2.go,
// select3.go, select4.go, select6.go, select7.go, select8.go, zerosize.go, sendstmt.go).
// Each test names the program it ports. The code is conduit's own: OS threads stand in for
// goroutines (at most 32 per test), every blocking call is bounded by the test's deadline,
// and the programs that Go leaves running at exit (the sieves' infinite generators) are shut
// down through a done channel and joined. Not ported: perm.go (compile-time channel
// directions, which conduit does not have), select5.go (a generator of compile tests),
// powser1/2.go (power series; optional).
#include <gtest/gtest.h>
#include <malloc.h>

#include <array>
#include <atomic>
#include <conduit/chan.hpp>
#include <conduit/select.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <queue>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "go_port/goroutines.hpp"
#include "support/support.hpp"

namespace conduit {
namespace {

using namespace std::chrono_literals;
using test::done_chan;
using test::goroutines;
using test::recv_or_done;
using test::send_or_done;

deadline test_end() { return deadline::after(test::kTestBudget); }

constexpr std::array<int, 25> kPrimesTo100 = {2,  3,  5,  7,  11, 13, 17, 19, 23, 29, 31, 37, 41,
                                              43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97};

// Go: test/chan/select.go. Send cases' values are evaluated each time the select runs, for
// nil channels too; a case whose channel became nil is never chosen, and the default runs
// once every channel is full or nil.
TEST(GoChanProgramTest, SelectEvaluatesEveryCaseAndSkipsNilChannels) {
  unsigned counter = 0, shift = 0;
  auto get_value = [&] {
    ++counter;
    return 1u << shift;
  };
  auto send = [&](chan<unsigned> a, chan<unsigned> b) {
    int i = 0;
    for (bool more = true; more;) {
      select(send_case(a, get_value(),
                       [&](auto) {
                         ++i;
                         a = chan<unsigned>();
                       }),
             send_case(b, get_value(),
                       [&](auto) {
                         ++i;
                         b = chan<unsigned>();
                       }),
             default_case([&] { more = false; }));
      ++shift;
    }
    return i;
  };
  chan<unsigned> a(1), b(1);
  EXPECT_EQ(send(a, b), 2);
  auto av = a.try_recv(), bv = b.try_recv();
  ASSERT_TRUE(av && bv);
  EXPECT_EQ(*av | *bv, 3u) << "bad values " << *av << " " << *bv;
  EXPECT_EQ(send(a, chan<unsigned>()), 1);
  EXPECT_EQ(counter, 10u);
}

// Go: test/chan/doubleselect.go. One select over four unbuffered sends must run exactly one
// case: four forwarders merge the channels and the receiver sees no value twice (nor misses
// one). Go: 100,000 iterations; here 10,000.
TEST(GoChanProgramTest, DoubleSelectRunsOneCasePerSelect) {
  const deadline end = test_end();
  constexpr int kIterations = 10000;
  std::array<chan<int>, 4> c = {chan<int>(0), chan<int>(0), chan<int>(0), chan<int>(0)};
  chan<int> cmux(0);
  chan<bool> done(0);
  goroutines g;
  g.go([&] {  // sender
    for (int i = 0; i < kIterations; ++i) {
      if (!select_until(end, send_case(c[0], i), send_case(c[1], i), send_case(c[2], i),
                        send_case(c[3], i))) {
        break;
      }
    }
    for (auto& ch : c) ch.close();
  });
  for (int k = 0; k < 4; ++k) {
    g.go([&, k] {  // mux
      for (;;) {
        auto v = c[k].recv_until(end);
        if (!v || !cmux.send_until(*v, end)) break;
      }
      (void)done.send_until(true, end);
    });
  }
  g.go([&] {
    for (int k = 0; k < 4; ++k) {
      if (!done.recv_until(end)) break;
    }
    cmux.close();
  });
  std::vector<bool> seen(kIterations, false);
  int n = 0;
  for (;;) {
    auto v = cmux.recv_until(end);
    if (!v) {
      EXPECT_EQ(v.error(), errc::channel_closed);
      break;
    }
    ASSERT_GE(*v, 0);
    ASSERT_LT(*v, kIterations);
    ASSERT_FALSE(seen[*v]) << "got duplicate value: " << *v;
    seen[*v] = true;
    ++n;
  }
  EXPECT_TRUE(g.wait(end));
  EXPECT_EQ(n, kIterations);
}

// Go: test/chan/nonblock.go. Non-blocking operations on channels of several element types,
// unbuffered and with a buffer of one: a receive from an empty channel fails at once; a
// non-blocking send (receive) succeeds once a receiver (sender) is waiting, retried as Go
// does; a buffered send completes without a receiver.
template <class T>
void nonblock_round(std::size_t buffer, T to_receiver, T from_sender, deadline end) {
  chan<T> c(buffer);
  chan<bool> sync(0);
  EXPECT_EQ(c.try_recv().error(), errc::would_block) << "blocked sender";
  EXPECT_EQ(select(recv_case(c, [](auto) { ADD_FAILURE() << "blocked sender"; }), default_case()),
            1u);
  goroutines g;
  g.go([&] {  // receiver
    auto v = c.recv_until(end);
    EXPECT_TRUE(v && *v == to_receiver) << "receiver value";
    (void)sync.send_until(true, end);
  });
  // Go retries the non-blocking send up to 10,000 times with short sleeps in between: the
  // receiver must be waiting before an unbuffered send can succeed, and that is not
  // observable. Retrying until the deadline is the same, bounded.
  bool sent = false;
  while (!sent && !end.passed()) {
    sent = c.try_send(to_receiver).has_value();
    if (!sent) std::this_thread::yield();
  }
  ASSERT_TRUE(sent) << "receiver buffer=" << buffer;
  ASSERT_TRUE(sync.recv_until(end));

  g.go([&] {  // sender
    EXPECT_TRUE(c.send_until(from_sender, end));
    (void)sync.send_until(true, end);
  });
  if (buffer > 0) {
    ASSERT_TRUE(sync.recv_until(end));  // the send completed on its own
  }
  std::optional<T> got;
  while (!got && !end.passed()) {
    select(recv_case(c,
                     [&](result<T> v) {
                       if (v) got.emplace(std::move(*v));
                     }),
           default_case([] { std::this_thread::yield(); }));
  }
  ASSERT_TRUE(got) << "sender buffer=" << buffer;
  EXPECT_EQ(*got, from_sender);
  if (buffer == 0) {
    ASSERT_TRUE(sync.recv_until(end));
  }
  EXPECT_TRUE(g.wait(end));
}

TEST(GoChanProgramTest, NonblockOperationsOnSeveralElementTypes) {
  const deadline end = test_end();
  for (std::size_t buffer : {std::size_t{0}, std::size_t{1}}) {
    SCOPED_TRACE(testing::Message() << "buffer " << buffer);
    nonblock_round<std::int32_t>(buffer, 123, 234, end);
    nonblock_round<std::int64_t>(buffer, 123456, 234567, end);
    nonblock_round<bool>(buffer, true, true, end);
    nonblock_round<std::string>(buffer, "hello", "hello again", end);
  }
}

// Go: test/chan/sieve1.go. The primes below 100 from a linear chain of filter threads, one
// per prime, each copying from its input to its output what its prime does not divide. Go
// leaves the chain running at exit; here closing `done` stops every stage.
TEST(GoChanProgramTest, Sieve1ChainOfFilterThreads) {
  const deadline end = test_end();
  done_chan done(0);
  chan<int> primes(0);
  auto filter = [&](chan<int> in, chan<int> out, int prime) {
    for (;;) {
      auto i = recv_or_done(in, done, end);
      if (!i) return;
      if (*i % prime != 0 && !send_or_done(out, *i, done, end)) return;
    }
  };
  // Declared after everything its threads use, so that it joins them before those go away.
  goroutines g;
  g.go([&] {  // Sieve
    chan<int> ch(0);
    g.go([&, ch] {  // Generate
      for (int i = 2;; ++i) {
        if (!send_or_done(ch, i, done, end)) return;
      }
    });
    for (;;) {
      auto prime = recv_or_done(ch, done, end);
      if (!prime || !send_or_done(primes, *prime, done, end)) return;
      chan<int> ch1(0);
      g.go([filter, ch, ch1, p = *prime] { filter(ch, ch1, p); });
      ch = ch1;
    }
  });
  for (int want : kPrimesTo100) {
    auto x = primes.recv_until(end);
    ASSERT_TRUE(x);
    ASSERT_EQ(*x, want);
  }
  done.close();
  EXPECT_TRUE(g.wait(end));
}

// Go: test/chan/sieve2.go. An Eratosthenes sieve over odd candidates: a merger thread keeps
// a heap of channels of multiples (one thread per prime, started as primes come back through
// a feedback channel) and produces the composites in order; a select-driven proxy with an
// unbounded buffer (its send case disabled through a nil channel while the buffer is empty)
// keeps the feedback loop from deadlocking.
TEST(GoChanProgramTest, Sieve2EratosthenesWithHeapOfChannels) {
  const deadline end = test_end();
  done_chan done(0);
  chan<int> found(10);       // the primes, Go's `out`
  chan<int> composites(50);  // every composite to eliminate, in increasing order
  chan<int> primes(10);      // the feedback loop
  goroutines g;
  // The threads copy these three helpers (whose references are to the objects above).
  auto odds = [&] {  // 5, 7, 9, ...
    chan<int> out(50);
    g.go([&, out] {
      for (int n = 5;; n += 2) {
        if (!send_or_done(out, n, done, end)) return;
      }
    });
    return out;
  };
  auto multiples = [&](int p) {  // p*p, p*p + 2p, ...
    chan<int> out(10);
    g.go([&, out, p] {
      for (int n = p * p;; n += 2 * p) {
        if (!send_or_done(out, n, done, end)) return;
      }
    });
    return out;
  };
  auto sendproxy = [&](chan<int> out) {
    chan<int> proxy(10);
    g.go([&, out, proxy] {
      std::deque<int> buf;
      for (bool stop = false; !stop;) {
        chan<int> c = buf.empty() ? chan<int>() : out;  // empty: disable the send case
        int e = buf.empty() ? 0 : buf.front();
        auto r = select_until(end,
                              recv_case(proxy,
                                        [&](result<int> v) {
                                          if (v) {
                                            buf.push_back(*v);
                                          } else {
                                            stop = true;
                                          }
                                        }),
                              send_case(c, e,
                                        [&](auto s) {
                                          if (s) {
                                            buf.pop_front();
                                          } else {
                                            stop = true;
                                          }
                                        }),
                              recv_case(done, [&](auto) { stop = true; }));
        if (!r) return;
      }
    });
    return chan<int>(proxy);
  };

  ASSERT_TRUE(found.try_send(2));
  ASSERT_TRUE(found.try_send(3));
  ASSERT_TRUE(primes.try_send(3));

  g.go([&, multiples] {  // merge the channels of multiples of `primes` into `composites`
    struct peek_ch {
      int head;
      chan<int> ch;
    };
    auto later = [](const peek_ch& a, const peek_ch& b) { return a.head > b.head; };
    std::priority_queue<peek_ch, std::vector<peek_ch>, decltype(later)> h(later);
    int min = 15;
    auto advance_min = [&] {  // pop the smallest head, refill it from its channel
      peek_ch m = h.top();
      h.pop();
      min = m.head;
      auto next = recv_or_done(m.ch, done, end);
      if (!next) return false;
      m.head = *next;
      h.push(m);
      return true;
    };
    for (;;) {
      auto p = recv_or_done(primes, done, end);
      if (!p) return;
      chan<int> m = multiples(*p);
      auto head = recv_or_done(m, done, end);
      if (!head) return;
      while (min < *head) {
        if (!send_or_done(composites, min, done, end) || !advance_min()) return;
      }
      while (min == *head) {
        if (!advance_min()) return;
      }
      if (!send_or_done(composites, *head, done, end)) return;
      auto next = recv_or_done(m, done, end);
      if (!next) return;
      h.push(peek_ch{*next, m});
    }
  });

  g.go([&, odds, sendproxy] {  // sieve the composites out of the candidates
    // Only primes up to sqrt(n) are needed to produce the n-th, so the merger reads
    // `primes` far more slowly than this thread writes it: the proxy buffers without bound.
    chan<int> feedback = sendproxy(primes);
    chan<int> candidates = odds();
    auto p = recv_or_done(candidates, done, end);
    if (!p) return;
    for (;;) {
      auto c = recv_or_done(composites, done, end);
      if (!c) return;
      while (*p < *c) {
        if (!send_or_done(feedback, *p, done, end) || !send_or_done(found, *p, done, end)) {
          return;
        }
        p = recv_or_done(candidates, done, end);
        if (!p) return;
      }
      if (*p == *c) {
        p = recv_or_done(candidates, done, end);
        if (!p) return;
      }
    }
  });

  for (int want : kPrimesTo100) {
    auto x = found.recv_until(end);
    ASSERT_TRUE(x);
    ASSERT_EQ(*x, want);
  }
  done.close();
  EXPECT_TRUE(g.wait(end));
}

// Go: test/chan/fifo.go, AsynchFifo. A buffered channel is a FIFO.
TEST(GoChanProgramTest, FifoAsynchBufferedChannelIsAFifo) {
  constexpr int kN = 10;
  chan<int> ch(kN);
  for (int i = 0; i < kN; ++i) ASSERT_TRUE(ch.try_send(i));
  for (int i = 0; i < kN; ++i) EXPECT_EQ(*ch.try_recv(), i) << "bad receive";
}

// Go: test/chan/fifo.go, SynchFifo. A daisy chain of threads, each waiting for its turn on
// `in`, reads the next value of one unbuffered channel: the values come out in the order they
// were sent.
TEST(GoChanProgramTest, FifoSynchDaisyChainReadsInSequence) {
  const deadline end = test_end();
  constexpr int kN = 10;
  chan<int> ch(0);
  chan<int> in(0);
  chan<int> start = in;
  std::atomic<int> bad{0};
  goroutines g;
  for (int i = 0; i < kN; ++i) {
    chan<int> out(0);
    g.go([&, in, out, val = i] {  // Chain
      if (!in.recv_until(end)) return;
      auto v = ch.recv_until(end);
      if (!v || *v != val) bad.fetch_add(1);
      (void)out.send_until(1, end);
    });
    in = out;
  }
  ASSERT_TRUE(start.send_until(0, end));
  for (int i = 0; i < kN; ++i) ASSERT_TRUE(ch.send_until(i, end));
  ASSERT_TRUE(in.recv_until(end));
  EXPECT_TRUE(g.wait(end));
  EXPECT_EQ(bad.load(), 0);
}

// Go: test/chan/goroutines.go. Many goroutines threaded together by unbuffered channels,
// each forwarding from its right to its left, then torn down cleanly. Go: 10,000 goroutines
// passing one value; here 30 threads passing 200 values, each thread adding one.
TEST(GoChanProgramTest, GoroutinesChainForwardsAndTearsDown) {
  const deadline end = test_end();
  constexpr int kLinks = 30, kValues = 200;
  chan<int> leftmost(0);
  chan<int> left = leftmost, right = leftmost;
  goroutines g;
  for (int i = 0; i < kLinks; ++i) {
    right = chan<int>(0);
    g.go([&end, left, right] {
      for (int k = 0; k < kValues; ++k) {
        auto v = right.recv_until(end);
        if (!v || !left.send_until(*v + 1, end)) return;
      }
    });
    left = right;
  }
  g.go([&end, right] {
    for (int k = 0; k < kValues; ++k) {
      if (!right.send_until(k, end)) return;
    }
  });
  for (int k = 0; k < kValues; ++k) {
    auto v = leftmost.recv_until(end);
    ASSERT_TRUE(v);
    ASSERT_EQ(*v, k + kLinks);
  }
  EXPECT_TRUE(g.wait(end));
}

// Go: test/chan/select2.go. Selects do not consume memory: a second run of 100,000 selects
// (here 20,000) does not grow the heap by more than Go's bound, 110,000 bytes. The heap is
// glibc's, read through mallinfo2(); under the sanitizers, which replace malloc, the check is
// vacuous and the test only runs the selects.
TEST(GoChanProgramTest, Select2SelectsDoNotConsumeMemory) {
  const deadline end = test_end();
  constexpr int kN = 20000;
  chan<int> c(0), dummy(0);
  auto run = [&] {
    goroutines g;
    g.go([&] {
      for (int i = 0; i < kN; ++i) {
        if (!c.send_until(1, end)) return;
      }
    });
    for (int i = 0; i < kN; ++i) {
      ASSERT_TRUE(select_until(end, recv_case(c),
                               recv_case(dummy, [](auto) { ADD_FAILURE() << "dummy"; })));
    }
    EXPECT_TRUE(g.wait(end));
  };
  run();  // warm up
  const std::size_t before = mallinfo2().uordblks;
  run();
  const std::size_t after = mallinfo2().uordblks;
  EXPECT_LT(after > before ? after - before : 0, 110000u)
      << "too much memory for " << kN << " selects";
}

// Go: test/chan/select3.go. What blocks and what does not. Go checks "blocks" by running the
// operation on a goroutine for 0.1 s; here an operation blocks when it times out with a 50 ms
// deadline, and never blocks when it completes with a deadline already past (conduit's
// "try once" deadline). Go's panics (send on a closed channel) are an error value here.
TEST(GoChanProgramTest, Select3WhatBlocksAndWhatDoesNot) {
  using op = std::function<bool(deadline)>;  // true: completed; false: timed out
  auto always_blocks = [](const char* what, const op& f) {
    EXPECT_FALSE(f(deadline::after(50ms))) << what << " did not block";
  };
  auto never_blocks = [](const char* what, const op& f) {
    EXPECT_TRUE(f(deadline::past())) << what << " blocked";
  };
  auto completed = [](const auto& r) { return r || r.error() != errc::timeout; };
  auto unreachable = [](auto&&...) { ADD_FAILURE() << "control flow shouldn't reach here"; };
  chan<int> nilch;
  chan<int> closedch(0);
  closedch.close();

  // Sending to or receiving from a nil channel blocks.
  always_blocks("send on nil", [&](deadline d) {
    auto r = nilch.send_until(7, d);
    return r || r.error().reason != errc::timeout;
  });
  always_blocks("recv on nil", [&](deadline d) { return completed(nilch.recv_until(d)); });
  // A nil channel in a select is never chosen.
  EXPECT_EQ(select(send_case(nilch, 7, unreachable), default_case()), 1u);
  EXPECT_EQ(select(recv_case(nilch, unreachable), default_case()), 1u);
  // Sending to a buffered channel with room never blocks.
  never_blocks("send with room", [&](deadline d) {
    chan<int> ch(1);
    return bool(ch.send_until(7, d));
  });
  // Receiving from a closed channel never blocks: channel_closed every time (Go: zero, false).
  never_blocks("recv on closed", [&](deadline d) {
    for (int i = 0; i < 10; ++i) {
      if (closedch.recv_until(d).error() != errc::channel_closed) return false;
    }
    return true;
  });
  // Sending to a closed channel: Go panics; conduit fails at once and hands the value back.
  {
    auto r = closedch.send_until(7, deadline::past());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason, errc::channel_closed);
    EXPECT_EQ(r.error().value, 7);
  }
  // Receiving from a channel that is not ready blocks.
  always_blocks("recv on empty", [&](deadline d) {
    chan<int> ch(0);
    return completed(ch.recv_until(d));
  });
  // A select whose channels are all nil blocks. (Go's empty `select {}` would be
  // select_until(d) with no cases, which conduit's -Werror build rejects today: with an empty
  // pack, run_select in select.hpp leaves two lambdas unused.)
  always_blocks("select recv nil", [&](deadline d) {
    return completed(select_until(d, recv_case(nilch, unreachable)));
  });
  always_blocks("select send nil", [&](deadline d) {
    return completed(select_until(d, send_case(nilch, 7, unreachable)));
  });
  always_blocks("select recv and send nil", [&](deadline d) {
    return completed(
        select_until(d, recv_case(nilch, unreachable), send_case(nilch, 7, unreachable)));
  });
  // A select over channels that are not ready blocks.
  always_blocks("select not ready", [&](deadline d) {
    chan<int> ch(0);
    return completed(select_until(d, recv_case(ch, unreachable)));
  });
  // A select with a default never blocks.
  never_blocks("default only",
               [&](deadline d) { return completed(select_until(d, default_case())); });
  never_blocks("nil recv with default", [&](deadline d) {
    return completed(select_until(d, recv_case(nilch, unreachable), default_case()));
  });
  never_blocks("nil send with default", [&](deadline d) {
    return completed(select_until(d, send_case(nilch, 7, unreachable), default_case()));
  });
  // A select over ready channels does not block, and does not take the default.
  never_blocks("select send ready", [&](deadline d) {
    chan<int> ch(1);
    auto r = select_until(d, send_case(ch, 7), default_case(unreachable));
    return r && *r == 0;
  });
  never_blocks("select recv ready", [&](deadline d) {
    chan<int> ch(1);
    (void)ch.try_send(7);
    auto r = select_until(d, recv_case(ch), default_case(unreachable));
    return r && *r == 0;
  });
  // A select on a closed channel behaves like the plain operation: a receive is ready
  // (channel_closed), and a send is ready too (Go panics; conduit hands the value back).
  never_blocks("select recv closed", [&](deadline d) {
    std::error_code ec;
    auto r = select_until(d, recv_case(closedch, [&](result<int> v) { ec = v.error(); }));
    return r && ec == errc::channel_closed;
  });
  never_blocks("select send closed", [&](deadline d) {
    int back = 0;
    auto r = select_until(d, send_case(closedch, 7, [&](result<void, send_error<int>> s) {
                            back = s.error().value;
                          }));
    return r && back == 7;
  });
  // A select does not get confused when it sees itself: a send and a receive on one
  // unbuffered channel, and nobody else, block.
  always_blocks("select sees itself", [&](deadline d) {
    chan<int> c(0);
    return completed(select_until(d, send_case(c, 1, unreachable), recv_case(c, unreachable)));
  });
}

// Go: test/chan/select4.go. Only the chosen case's receive target is written: the case that
// was not chosen never runs its handler (Go: never evaluates its left-hand side).
TEST(GoChanProgramTest, Select4OnlyTheChosenCaseIsEvaluated) {
  struct {
    int a = 0;
  } x;
  chan<int> c(1), c1(0);
  ASSERT_TRUE(c.try_send(42));
  select(recv_case(c1, [](auto) { ADD_FAILURE() << "BUG: called f"; }),
         recv_case(c, [&](result<int> v) { x.a = *v; }));
  EXPECT_EQ(x.a, 42);
}

// Go: test/chan/select6.go (issue 2075). A select that loses on c1 must leave c1's queue
// intact when other receivers wait there too: both later sends on c1 find a receiver.
TEST(GoChanProgramTest, Select6LosingCaseLeavesTheQueueIntact) {
  const deadline end = test_end();
  chan<bool> c1(0), c2(0), c3(0);
  std::atomic<int> received{0};
  goroutines g;
  g.go([&] {
    if (c1.recv_until(end)) received.fetch_add(1);
  });
  g.go([&] {
    bool via_c2 = false;
    (void)select_until(end, recv_case(c1, [](auto) { ADD_FAILURE() << "dummy"; }),
                       recv_case(c2, [&](auto) { via_c2 = true; }));
    if (!via_c2 || !c3.send_until(true, end)) return;
    if (c1.recv_until(end)) received.fetch_add(1);
  });
  g.go([&] { (void)c2.send_until(true, end); });
  ASSERT_TRUE(c3.recv_until(end));
  ASSERT_TRUE(c1.send_until(true, end));
  ASSERT_TRUE(c1.send_until(true, end));
  EXPECT_TRUE(g.wait(end));
  EXPECT_EQ(received.load(), 2);
}

// Go: test/chan/select7.go. Every pairing of a plain, one-case-select and two-case-select
// receiver (which discards the value) with a plain, one-case-select and two-case-select
// sender on an unbuffered channel completes.
TEST(GoChanProgramTest, Select7EveryPairingOfDiscardingReceiverAndSender) {
  const deadline end = test_end();
  using recv_fn = std::function<bool(const chan<int>&)>;
  using send_fn = std::function<bool(const chan<int>&)>;
  const std::array<recv_fn, 3> recvs = {
      [&](const chan<int>& c) { return bool(c.recv_until(end)); },
      [&](const chan<int>& c) { return bool(select_until(end, recv_case(c))); },
      [&](const chan<int>& c) {
        chan<int> c2(0);
        return bool(select_until(end, recv_case(c), recv_case(c2)));
      },
  };
  const std::array<send_fn, 3> sends = {
      [&](const chan<int>& c) { return bool(c.send_until(1, end)); },
      [&](const chan<int>& c) { return bool(select_until(end, send_case(c, 1))); },
      [&](const chan<int>& c) {
        chan<int> c2(0);
        return bool(select_until(end, send_case(c, 1), send_case(c2, 1)));
      },
  };
  for (std::size_t r = 0; r < recvs.size(); ++r) {
    for (std::size_t s = 0; s < sends.size(); ++s) {
      SCOPED_TRACE(testing::Message() << "send" << s + 1 << "(recv" << r + 1 << ")");
      chan<int> c(0);
      std::atomic<bool> received{false};
      goroutines g;
      g.go([&] { received.store(recvs[r](c)); });
      std::this_thread::yield();  // Go: runtime.Gosched()
      EXPECT_TRUE(sends[s](c));
      EXPECT_TRUE(g.wait(end));
      EXPECT_TRUE(received.load());
    }
  }
}

// Go: test/chan/select8.go (break in a select, a gccgo bug). What carries over: with a
// sender looping on an unbuffered channel, a one-case select receives; a default-only select
// runs its default; a receive-or-default select takes either; a send case on the same channel
// is never ready (only senders wait there). Closing the channel releases the blocked sender.
TEST(GoChanProgramTest, Select8OneTwoAndThreeCaseSelects) {
  const deadline end = test_end();
  chan<int> ch(0);
  goroutines g;
  g.go([&] {
    for (;;) {
      auto r = ch.send_until(5, end);
      if (!r) {
        EXPECT_EQ(r.error().reason, errc::channel_closed);
        return;
      }
    }
  });
  int got = 0;
  ASSERT_TRUE(select_until(end, recv_case(ch, [&](result<int> v) { got = *v; })));
  EXPECT_EQ(got, 5);
  EXPECT_EQ(select(default_case()), 0u);
  (void)select(recv_case(ch), default_case());
  (void)select(recv_case(ch), send_case(ch, 10, [](auto) { ADD_FAILURE() << "unreachable"; }),
               default_case());
  ch.close();
  EXPECT_TRUE(g.wait(end));
}

// Go: test/chan/zerosize.go. Channels of empty types work, unbuffered and buffered.
TEST(GoChanProgramTest, ZeroSizeElementTypes) {
  const deadline end = test_end();
  struct nothing {};
  for (std::size_t cap : {std::size_t{0}, std::size_t{1}, std::size_t{1024}}) {
    chan<nothing> c(cap);
    chan<std::array<char, 0>> a(cap);
    goroutines g;
    g.go([&] {
      for (int i = 0; i < 2000; ++i) {
        if (!c.send_until(nothing{}, end) || !a.send_until({}, end)) return;
      }
      c.close();
    });
    int n = 0;
    for (;;) {
      auto v = c.recv_until(end);
      if (!v) {
        EXPECT_EQ(v.error(), errc::channel_closed);
        break;
      }
      ASSERT_TRUE(a.recv_until(end));
      ++n;
    }
    EXPECT_TRUE(g.wait(end));
    EXPECT_EQ(n, 2000);
    EXPECT_EQ(c.capacity(), cap);
  }
}

// Go: test/chan/sendstmt.go, chanchan. A send case's channel may itself come from a receive
// (Go: `case <-cc <- 2:`): a channel of channels, and a non-blocking send on the one received.
TEST(GoChanProgramTest, SendStmtChannelOfChannels) {
  chan<chan<int>> cc(1);
  chan<int> c(1);
  ASSERT_TRUE(cc.try_send(c));
  auto inner = cc.try_recv();
  ASSERT_TRUE(inner);
  select(send_case(*inner, 2), default_case([] { ADD_FAILURE() << "nonblock"; }));
  auto v = c.try_recv();
  ASSERT_TRUE(v) << "bad receive";
  EXPECT_EQ(*v, 2);
  // sendprec (`c <- false || true`) is a parsing test; C++ has no such statement.
}

}  // namespace
}  // namespace conduit
