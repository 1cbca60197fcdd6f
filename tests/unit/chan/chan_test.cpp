#include <gtest/gtest.h>

#include <atomic>
#include <conduit/chan.hpp>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/support.hpp"

namespace conduit {
namespace {

using namespace std::chrono_literals;

TEST(ChanTest, BufferedIsFifo) {
  chan<int> ch(4);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(ch.send(i));
  EXPECT_EQ(ch.size(), 4u);
  EXPECT_EQ(ch.capacity(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(*ch.recv(), i);
  EXPECT_EQ(ch.size(), 0u);
}

TEST(ChanTest, TrySendOnFullAndTryRecvOnEmptyReturnWouldBlock) {
  chan<int> ch(1);
  auto e = ch.try_recv();
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error(), errc::would_block);
  ASSERT_TRUE(ch.try_send(1));
  auto full = ch.try_send(2);
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().reason, errc::would_block);
  EXPECT_EQ(full.error().value, 2);
}

TEST(ChanTest, UnbufferedTrySendWithoutReceiverFails) {
  chan<int> ch(0);
  auto r = ch.try_send(5);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, errc::would_block);
  EXPECT_EQ(ch.capacity(), 0u);
}

TEST(ChanTest, UnbufferedSendCompletesOnlyWhenReceived) {
  chan<int> ch(0);
  std::atomic<bool> sent{false};
  test::scoped_thread t([&] {
    ASSERT_TRUE(ch.send_for(42, 10s));
    sent.store(true);
  });
  // The sender cannot complete until we receive.
  auto early = ch.recv_for(10s);
  ASSERT_TRUE(early);
  EXPECT_EQ(*early, 42);
  t.join();
  EXPECT_TRUE(sent.load());
}

TEST(ChanTest, UnbufferedSendBlocksWhileNobodyReceives) {
  chan<int> ch(0);
  auto start = clock::now();
  auto r = ch.send_for(1, 50ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, errc::timeout);
  EXPECT_EQ(r.error().value, 1);
  EXPECT_GE(clock::now() - start, 50ms);
  // The timed-out sender left nothing behind.
  EXPECT_EQ(ch.try_recv().error(), errc::would_block);
}

TEST(ChanTest, MoveOnlyValuesAndNoDefaultConstructor) {
  struct no_default {
    explicit no_default(int x) : v(x) {}
    int v;
  };
  chan<std::unique_ptr<int>> ch(2);
  ASSERT_TRUE(ch.send(std::make_unique<int>(3)));
  auto v = ch.recv();
  ASSERT_TRUE(v);
  EXPECT_EQ(**v, 3);
  chan<no_default> nd(1);
  ASSERT_TRUE(nd.send(no_default(9)));
  EXPECT_EQ(nd.recv()->v, 9);
}

TEST(ChanTest, FailedSendHandsTheValueBack) {
  chan<std::unique_ptr<int>> ch(1);
  ch.close();
  auto r = ch.send(std::make_unique<int>(7));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, errc::channel_closed);
  ASSERT_NE(r.error().value, nullptr);
  EXPECT_EQ(*r.error().value, 7);
}

TEST(ChanTest, ReceiversDrainAfterCloseThenSeeClosed) {
  chan<std::string> ch(3);
  ASSERT_TRUE(ch.send("a"));
  ASSERT_TRUE(ch.send("b"));
  ch.close();
  EXPECT_TRUE(ch.closed());
  EXPECT_EQ(*ch.recv(), "a");
  EXPECT_EQ(*ch.recv(), "b");
  EXPECT_EQ(ch.recv().error(), errc::channel_closed);
  EXPECT_EQ(ch.try_recv().error(), errc::channel_closed);
}

TEST(ChanTest, CloseWakesEveryBlockedReceiverAndSender) {
  chan<int> rx(0), tx(0);
  constexpr int kN = 4;
  std::atomic<int> woke_closed{0};
  std::vector<test::scoped_thread> ts;
  for (int i = 0; i < kN; ++i) {
    ts.emplace_back([&] {
      if (rx.recv_for(10s).error() == errc::channel_closed) woke_closed.fetch_add(1);
    });
    ts.emplace_back([&, i] {
      auto r = tx.send_for(i, 10s);
      if (!r && r.error().reason == errc::channel_closed && r.error().value == i) {
        woke_closed.fetch_add(1);
      }
    });
  }
  std::this_thread::sleep_for(30ms);  // let them block (close must work either way)
  rx.close();
  tx.close();
  for (auto& t : ts) t.join();
  EXPECT_EQ(woke_closed.load(), 2 * kN);
}

TEST(ChanTest, RangeForEndsWhenClosedAndDrained) {
  chan<int> ch(8);
  test::scoped_thread t([&] {
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(ch.send_for(i, 10s));
    ch.close();
  });
  int expect = 0;
  for (int v : ch) EXPECT_EQ(v, expect++);
  EXPECT_EQ(expect, 100);
}

TEST(ChanTest, CopiesShareOneChannel) {
  chan<int> a(1);
  chan<int> b = a;
  EXPECT_TRUE(a == b);
  ASSERT_TRUE(a.send(1));
  EXPECT_EQ(*b.recv(), 1);
  b.close();
  EXPECT_TRUE(a.closed());
}

TEST(ChanTest, PastDeadlineNeverBlocks) {
  chan<int> ch(0);
  auto start = clock::now();
  EXPECT_EQ(ch.recv_until(deadline::past()).error(), errc::timeout);
  EXPECT_EQ(ch.send_until(1, deadline::past()).error().reason, errc::timeout);
  EXPECT_LT(clock::now() - start, 20ms);
}

TEST(ChanTest, RecvDeadlineFiresWithinSlack) {
  chan<int> ch(1);
  auto start = clock::now();
  auto r = ch.recv_for(50ms);
  auto took = clock::now() - start;
  EXPECT_EQ(r.error(), errc::timeout);
  EXPECT_TRUE(r.error() == std::errc::timed_out);
  EXPECT_GE(took, 50ms);
  EXPECT_LT(took, 50ms + test::kSlack);
}

TEST(ChanTest, NilChannelBlocksUntilDeadlineAndIsEmpty) {
  chan<int> nil;
  EXPECT_TRUE(nil.is_nil());
  EXPECT_EQ(nil.size(), 0u);
  EXPECT_EQ(nil.capacity(), 0u);
  EXPECT_EQ(nil.try_recv().error(), errc::would_block);
  EXPECT_EQ(nil.recv_for(20ms).error(), errc::timeout);
  EXPECT_EQ(nil.send_for(1, 20ms).error().reason, errc::timeout);
}

TEST(ChanTest, ManySendersAndReceiversEveryValueExactlyOnce) {
  for (std::size_t cap : {std::size_t{0}, std::size_t{1}, std::size_t{64}}) {
    chan<int> ch(cap);
    constexpr int kSenders = 4, kReceivers = 4, kEach = 5000;
    std::vector<std::vector<int>> got(kReceivers);
    std::vector<test::scoped_thread> rs;
    for (int r = 0; r < kReceivers; ++r) {
      rs.emplace_back([&, r] {
        for (int v : ch) got[r].push_back(v);
      });
    }
    {
      std::vector<test::scoped_thread> ss;
      for (int s = 0; s < kSenders; ++s) {
        ss.emplace_back([&, s] {
          for (int i = 0; i < kEach; ++i) ASSERT_TRUE(ch.send_for(s * kEach + i, 30s));
        });
      }
    }
    ch.close();
    for (auto& t : rs) t.join();
    std::vector<int> all;
    for (auto& g : got) all.insert(all.end(), g.begin(), g.end());
    ASSERT_EQ(all.size(), static_cast<std::size_t>(kSenders * kEach)) << "cap " << cap;
    std::sort(all.begin(), all.end());
    for (int i = 0; i < kSenders * kEach; ++i) ASSERT_EQ(all[i], i) << "cap " << cap;
  }
}

TEST(ChanTest, PerSenderOrderIsKept) {
  chan<std::pair<int, int>> ch(16);
  constexpr int kSenders = 3, kEach = 3000;
  std::vector<test::scoped_thread> ss;
  for (int s = 0; s < kSenders; ++s) {
    ss.emplace_back([&, s] {
      for (int i = 0; i < kEach; ++i) ASSERT_TRUE(ch.send_for({s, i}, 30s));
    });
  }
  std::vector<int> next(kSenders, 0);
  for (int n = 0; n < kSenders * kEach; ++n) {
    auto v = ch.recv_for(30s);
    ASSERT_TRUE(v);
    ASSERT_EQ(v->second, next[v->first]++);
  }
}

TEST(ChanTest, CloseRacingWithBlockedOperationsLosesNothing) {
  // Every value either arrives or comes back to its sender; nothing is lost or duplicated.
  for (int round = 0; round < 20; ++round) {
    chan<int> ch(round % 3);
    constexpr int kSenders = 3, kEach = 200;
    std::atomic<long> returned{0}, received{0};
    std::vector<test::scoped_thread> ts;
    for (int s = 0; s < kSenders; ++s) {
      ts.emplace_back([&] {
        for (int i = 1; i <= kEach; ++i) {
          auto r = ch.send_for(i, 30s);
          if (!r) {
            ASSERT_EQ(r.error().reason, errc::channel_closed);
            returned += r.error().value;
          }
        }
      });
    }
    ts.emplace_back([&] {
      for (;;) {
        auto v = ch.recv_for(30s);
        if (!v) {
          ASSERT_EQ(v.error(), errc::channel_closed);
          return;
        }
        received += *v;
      }
    });
    std::this_thread::sleep_for(std::chrono::microseconds(200 * round));
    ch.close();
    for (auto& t : ts) t.join();
    EXPECT_EQ(returned + received, static_cast<long>(kSenders) * kEach * (kEach + 1) / 2);
  }
}

TEST(ChanDeathTest, ClosingTwiceAborts) {
  chan<int> ch(1);
  ch.close();
  EXPECT_DEATH(ch.close(), "conduit: close of closed channel");
}

TEST(ChanDeathTest, ClosingNilAborts) {
  chan<int> nil;
  EXPECT_DEATH(nil.close(), "conduit: close of nil channel");
}

}  // namespace
}  // namespace conduit
