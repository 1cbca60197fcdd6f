#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <conduit/sync/rw_mutex.hpp>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "support/support.hpp"
#include "unit/sync/sync_test_support.hpp"

namespace conduit {
namespace {

using namespace std::chrono_literals;

TEST(RwMutexTest, ReadersShareTheLock) {
  rw_mutex mu;
  mu.lock_shared();
  test::scoped_thread t([&] {
    ASSERT_TRUE(mu.try_lock_shared());
    mu.unlock_shared();
  });
  t.join();
  mu.unlock_shared();
}

TEST(RwMutexTest, WriterExcludesReadersAndWriters) {
  rw_mutex mu;
  mu.lock();
  test::scoped_thread t([&] {
    EXPECT_FALSE(mu.try_lock_shared());
    EXPECT_FALSE(mu.try_lock());
    EXPECT_FALSE(mu.try_lock_shared_for(10ms));
    EXPECT_FALSE(mu.try_lock_for(10ms));
  });
  t.join();
  mu.unlock();
  EXPECT_TRUE(mu.try_lock());
  mu.unlock();
  EXPECT_TRUE(mu.try_lock_shared());
  mu.unlock_shared();
}

TEST(RwMutexTest, ReaderExcludesWriter) {
  rw_mutex mu;
  mu.lock_shared();
  test::scoped_thread t([&] { EXPECT_FALSE(mu.try_lock()); });
  t.join();
  mu.unlock_shared();
  EXPECT_TRUE(mu.try_lock());
  mu.unlock();
}

TEST(RwMutexTest, WorksWithStdLockTypes) {
  rw_mutex mu;
  {
    std::shared_lock r1(mu);
    std::shared_lock r2(mu);
    EXPECT_FALSE(mu.try_lock());
  }
  {
    std::unique_lock w(mu);
    EXPECT_FALSE(mu.try_lock_shared());
  }
  std::scoped_lock w(mu);
}

// Go's rule: once a writer waits, new readers wait behind it.
TEST(RwMutexTest, WaitingWriterBlocksNewReaders) {
  rw_mutex mu;
  mu.lock_shared();
  std::atomic<bool> writer_done{false};
  test::scoped_thread writer([&] {
    ASSERT_TRUE(mu.try_lock_until(deadline::after(10s)));
    writer_done = true;
    mu.unlock();
  });
  // Once the writer is waiting, a new reader cannot get in although only readers hold it.
  ASSERT_TRUE(test::eventually([&] {
    if (mu.try_lock_shared()) {
      mu.unlock_shared();
      return false;
    }
    return true;
  }));
  EXPECT_FALSE(writer_done.load());
  mu.unlock_shared();
  writer.join();
  EXPECT_TRUE(writer_done.load());
}

// Readers that queued behind a writer get the lock when it unlocks, before a second writer.
TEST(RwMutexTest, ReadersQueuedBehindAWriterGetInBeforeTheNextWriter) {
  rw_mutex mu;
  mu.lock();
  std::atomic<int> readers_in{0};
  std::atomic<bool> release_readers{false};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      ASSERT_TRUE(mu.try_lock_shared_until(deadline::after(10s)));
      readers_in.fetch_add(1);
      EXPECT_TRUE(test::eventually([&] { return release_readers.load(); }));
      mu.unlock_shared();
    });
  }
  // Give the readers time to queue (they cannot get in: the writer holds it).
  ASSERT_TRUE(test::eventually([&] { return readers_in.load() == 0; }));
  test::busy_for(20ms);
  std::atomic<bool> second_writer_in{false};
  test::scoped_thread writer2([&] {
    ASSERT_TRUE(mu.try_lock_until(deadline::after(10s)));
    second_writer_in = true;
    mu.unlock();
  });
  mu.unlock();
  ASSERT_TRUE(test::eventually([&] { return readers_in.load() == 3; }));
  EXPECT_FALSE(second_writer_in.load());
  release_readers = true;
  for (auto& t : readers) t.join();
  writer2.join();
  EXPECT_TRUE(second_writer_in.load());
}

// A stream of overlapping readers (there is always a reader inside) must not keep a writer
// out: the waiting writer holds new readers back until the current ones leave.
TEST(RwMutexTest, WriterIsNotStarvedByAStreamOfReaders) {
  rw_mutex mu;
  std::atomic<bool> stop{false};
  std::atomic<long> reads{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        if (!mu.try_lock_shared_until(deadline::after(10s))) {
          ADD_FAILURE() << "a reader waited 10 s";
          return;
        }
        test::busy_for(50us);
        mu.unlock_shared();
        reads.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  ASSERT_TRUE(test::eventually([&] { return reads.load() > 100; }));
  std::chrono::nanoseconds worst{0};
  int timeouts = 0;
  for (int i = 0; i < 20; ++i) {
    const auto start = clock::now();
    if (!mu.try_lock_until(deadline::after(2s))) {
      ++timeouts;
      break;
    }
    worst =
        std::max(worst, std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - start));
    mu.unlock();
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(timeouts, 0) << "readers kept the writer out for 2 s";
  EXPECT_LT(worst, test::kSlack) << "worst writer wait " << worst.count() / 1000 << " us";
}

TEST(RwMutexTest, TimedOutWriterLetsHeldBackReadersIn) {
  rw_mutex mu;
  mu.lock_shared();
  test::scoped_thread writer([&] { EXPECT_FALSE(mu.try_lock_for(30ms)); });
  writer.join();
  // The writer withdrew: new readers and, once the reader leaves, writers get in.
  EXPECT_TRUE(mu.try_lock_shared());
  mu.unlock_shared();
  mu.unlock_shared();
  EXPECT_TRUE(mu.try_lock());
  mu.unlock();
}

TEST(RwMutexTest, TimedOutWriterWakesReadersParkedBehindIt) {
  rw_mutex mu;
  mu.lock_shared();
  std::atomic<bool> reader_in{false};
  test::scoped_thread writer([&] { EXPECT_FALSE(mu.try_lock_for(200ms)); });
  // Wait until the writer is waiting, then queue a reader behind it.
  ASSERT_TRUE(test::eventually([&] {
    if (mu.try_lock_shared()) {
      mu.unlock_shared();
      return false;
    }
    return true;
  }));
  test::scoped_thread reader([&] {
    ASSERT_TRUE(mu.try_lock_shared_until(deadline::after(10s)));
    reader_in = true;
    mu.unlock_shared();
  });
  writer.join();
  reader.join();
  EXPECT_TRUE(reader_in.load());
  mu.unlock_shared();
}

TEST(RwMutexTest, MixedLoadKeepsInvariants) {
  rw_mutex mu;
  long a = 0, b = 0;  // guarded by mu; writers keep a == b
  const int kIters = test::scaled(20000);
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIters; ++i) {
        ASSERT_TRUE(mu.try_lock_until(deadline::after(10s)));
        ++a;
        ++b;
        mu.unlock();
      }
    });
  }
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIters; ++i) {
        ASSERT_TRUE(mu.try_lock_shared_until(deadline::after(10s)));
        EXPECT_EQ(a, b);
        mu.unlock_shared();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(a, 2L * kIters);
  EXPECT_EQ(b, 2L * kIters);
}

TEST(RwMutexDeathTest, UnlockOfUnlockedAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        rw_mutex mu;
        mu.unlock();
      },
      "sync: unlock of unlocked rw_mutex");
}

TEST(RwMutexDeathTest, UnlockOfReadLockedAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        rw_mutex mu;
        mu.lock_shared();
        mu.unlock();
      },
      "sync: unlock of unlocked rw_mutex");
}

TEST(RwMutexDeathTest, UnlockSharedOfUnlockedAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        rw_mutex mu;
        mu.unlock_shared();
      },
      "sync: unlock_shared of unlocked rw_mutex");
}

TEST(RwMutexDeathTest, UnlockSharedOfWriteLockedAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        rw_mutex mu;
        mu.lock();
        mu.unlock_shared();
      },
      "sync: unlock_shared of unlocked rw_mutex");
}

}  // namespace
}  // namespace conduit
