#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <conduit/select.hpp>
#include <thread>

#include "support/support.hpp"

namespace conduit {
namespace {

using namespace std::chrono_literals;

TEST(SelectTest, PicksTheReadyCase) {
  chan<int> a(1), b(1);
  ASSERT_TRUE(b.send(5));
  int got = 0;
  std::size_t i = select(recv_case(a, [&](result<int>) { got = -1; }),
                         recv_case(b, [&](result<int> v) { got = *v; }));
  EXPECT_EQ(i, 1u);
  EXPECT_EQ(got, 5);
}

TEST(SelectTest, DefaultRunsWhenNothingIsReady) {
  chan<int> a(0);
  bool ran = false;
  std::size_t i = select(recv_case(a), default_case([&] { ran = true; }));
  EXPECT_EQ(i, 1u);
  EXPECT_TRUE(ran);
}

TEST(SelectTest, SendCaseDeliversAndReportsSuccess) {
  chan<int> a(1);
  bool ok = false;
  std::size_t i = select(send_case(a, 9, [&](auto r) { ok = r.has_value(); }));
  EXPECT_EQ(i, 0u);
  EXPECT_TRUE(ok);
  EXPECT_EQ(*a.recv(), 9);
}

TEST(SelectTest, ClosedChannelsAreReadyAndSayClosed) {
  chan<int> r(0), s(0);
  r.close();
  std::error_code seen;
  select(recv_case(r, [&](result<int> v) { seen = v.error(); }));
  EXPECT_EQ(seen, errc::channel_closed);
  s.close();
  int back = 0;
  select(send_case(s, 77, [&](result<void, send_error<int>> v) {
    seen = v.error().reason;
    back = v.error().value;
  }));
  EXPECT_EQ(seen, errc::channel_closed);
  EXPECT_EQ(back, 77);
}

TEST(SelectTest, NilChannelCaseIsNeverChosen) {
  chan<int> nil, ready(1);
  ASSERT_TRUE(ready.send(1));
  for (int i = 0; i < 100; ++i) {
    std::size_t k = select(recv_case(nil), recv_case(ready), default_case());
    EXPECT_EQ(k, 1u);
    ASSERT_TRUE(ready.send(1));
  }
  auto r = select_for(20ms, recv_case(nil));
  EXPECT_EQ(r.error(), errc::timeout);
}

TEST(SelectTest, DeadlineFiresWithinSlackAndNothingHappens) {
  chan<int> a(0), b(0);
  auto start = clock::now();
  auto r = select_for(50ms, recv_case(a), send_case(b, 1));
  auto took = clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::timeout);
  EXPECT_GE(took, 50ms);
  EXPECT_LT(took, 50ms + test::kSlack);
  EXPECT_EQ(b.try_recv().error(), errc::would_block);
  EXPECT_EQ(select_until(deadline::past(), recv_case(a)).error(), errc::timeout);
}

TEST(SelectTest, ParkedSelectIsWokenByTheFirstReadyChannel) {
  chan<int> a(0), b(0);
  int got = 0;
  test::scoped_thread t([&] {
    std::this_thread::sleep_for(20ms);
    ASSERT_TRUE(b.send_for(3, 10s));
  });
  auto r = select_for(10s, recv_case(a, [&](result<int> v) { got = 100 + *v; }),
                      recv_case(b, [&](result<int> v) { got = *v; }));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 1u);
  EXPECT_EQ(got, 3);
}

TEST(SelectTest, ParkedSendCaseRendezvousWithReceiver) {
  chan<int> out(0);
  test::scoped_thread t([&] {
    std::this_thread::sleep_for(20ms);
    auto v = out.recv_for(10s);
    ASSERT_TRUE(v);
    EXPECT_EQ(*v, 11);
  });
  auto r = select_for(10s, send_case(out, 11));
  ASSERT_TRUE(r);
}

TEST(SelectTest, SameChannelInBothDirections) {
  chan<int> c(1);
  // Empty: only the send case can be ready.
  std::size_t k = select(recv_case(c), send_case(c, 1));
  EXPECT_EQ(k, 1u);
  // Full: only the receive case can be ready.
  k = select(recv_case(c), send_case(c, 2));
  EXPECT_EQ(k, 0u);
}

TEST(SelectTest, FairAmongAlwaysReadyChannels) {
  // Each of 4 always-ready channels is chosen 25 % +- 3 % of 100k selects.
  std::array<chan<int>, 4> cs = {chan<int>(1), chan<int>(1), chan<int>(1), chan<int>(1)};
  for (auto& c : cs) ASSERT_TRUE(c.send(0));
  std::array<int, 4> hits{};
  constexpr int kN = 100000;
  for (int i = 0; i < kN; ++i) {
    std::size_t k = select(recv_case(cs[0]), recv_case(cs[1]), recv_case(cs[2]), recv_case(cs[3]));
    ++hits[k];
    ASSERT_TRUE(cs[k].try_send(0));
  }
  for (int h : hits) {
    EXPECT_GT(h, kN * 22 / 100);
    EXPECT_LT(h, kN * 28 / 100);
  }
}

TEST(SelectTest, ConcurrentSelectsNeverLoseOrDuplicate) {
  // Go's idiom: a receiver sets a closed channel to nil to disable its case, and stops when
  // every case is disabled.
  chan<int> a(0), b(4);
  constexpr int kEach = 3000;
  std::atomic<long> sum{0};
  std::atomic<int> count{0};
  std::vector<test::scoped_thread> rs;
  for (int r = 0; r < 3; ++r) {
    rs.emplace_back([&] {
      chan<int> la = a, lb = b;
      auto take = [&](chan<int>& from) {
        return [&](result<int> v) {
          if (v) {
            sum += *v;
            ++count;
          } else {
            from = chan<int>();
          }
        };
      };
      while (!la.is_nil() || !lb.is_nil()) {
        auto res = select_for(30s, recv_case(la, take(la)), recv_case(lb, take(lb)));
        ASSERT_TRUE(res);
      }
    });
  }
  {
    test::scoped_thread s1([&] {
      for (int i = 1; i <= kEach; ++i) ASSERT_TRUE(a.send_for(i, 30s));
    });
    test::scoped_thread s2([&] {
      for (int i = 1; i <= kEach; ++i) ASSERT_TRUE(b.send_for(i, 30s));
    });
  }
  a.close();
  b.close();
  for (auto& t : rs) t.join();
  EXPECT_EQ(count.load(), 2 * kEach);
  EXPECT_EQ(sum.load(), 2L * kEach * (kEach + 1) / 2);
}

// Go's empty select {}: no case ever becomes ready; bounded here by its deadline.
TEST(SelectTest, EmptySelectWaitsOutItsDeadline) {
  auto start = clock::now();
  auto r = select_for(20ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::timeout);
  EXPECT_GE(clock::now() - start, 20ms);
}

}  // namespace
}  // namespace conduit
