// The test main: every test runs under a watchdog (no test can hang the run) and is checked
// for leaked fds (the fd count before and after each test must match).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <conduit/runtime/park.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "support/support.hpp"

namespace {

// Aborts the process if one test runs longer than CONDUIT_TEST_WATCHDOG_S seconds (120).
// It waits on a std::condition_variable on purpose: it must not depend on the code under
// test.
class watchdog : public ::testing::EmptyTestEventListener {
 public:
  watchdog() {
    if (const char* s = std::getenv("CONDUIT_TEST_WATCHDOG_S"))
      limit_ = std::chrono::seconds(std::atoi(s));
    thread_ = std::thread([this] { run(); });
  }
  ~watchdog() override {
    {
      std::lock_guard<std::mutex> g(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void OnTestStart(const ::testing::TestInfo& info) override {
    std::lock_guard<std::mutex> g(mu_);
    name_ = std::string(info.test_suite_name()) + "." + info.name();
    armed_ = true;
    ++generation_;
    cv_.notify_all();
  }
  void OnTestEnd(const ::testing::TestInfo&) override {
    std::lock_guard<std::mutex> g(mu_);
    armed_ = false;
    cv_.notify_all();
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lk(mu_);
    while (!stop_) {
      if (!armed_) {
        cv_.wait(lk);
        continue;
      }
      auto gen = generation_;
      if (!cv_.wait_for(lk, limit_, [&] { return stop_ || !armed_ || generation_ != gen; })) {
        std::fprintf(stderr, "watchdog: test %s still running after %lld s; aborting\n",
                     name_.c_str(), static_cast<long long>(limit_.count()));
        std::fflush(stderr);
        std::abort();
      }
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::string name_;
  bool armed_ = false, stop_ = false;
  unsigned long generation_ = 0;
  std::chrono::seconds limit_{120};
  std::thread thread_;
};

class fd_leak_check : public ::testing::EmptyTestEventListener {
 public:
  void OnTestStart(const ::testing::TestInfo&) override {
    before_list_ = conduit::test::describe_open_fds();
    before_ = conduit::test::open_fd_count();
  }
  void OnTestEnd(const ::testing::TestInfo& info) override {
    if (info.result()->Skipped()) return;
    int after = conduit::test::open_fd_count();
    std::string now = conduit::test::describe_open_fds();
    EXPECT_EQ(before_, after)
        << "fd count changed across the test: an fd leaked (or was closed twice). Open now: " << now
        << " Open before: " << before_list_;
  }

 private:
  int before_ = 0;
  std::string before_list_;
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // The watchdog thread makes every test multi-threaded: re-exec for death tests.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // The main thread's wake-up eventfd lives as long as the thread: create it now so that it
  // is not counted as a leak of the first test that waits on an fd.
  int p[2];
  if (::pipe(p) == 0) {
    (void)!::write(p[1], "x", 1);
    (void)conduit::runtime::wait_fd(p[0], conduit::runtime::interest::read,
                                    conduit::deadline::after(std::chrono::seconds(1)));
    ::close(p[0]);
    ::close(p[1]);
  }
  auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
  listeners.Append(new watchdog);
  listeners.Append(new fd_leak_check);
  return RUN_ALL_TESTS();
}
