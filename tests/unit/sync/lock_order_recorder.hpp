// A lock-order handler that records reports, for the ranked_mutex and lock_order tests.
#ifndef CONDUIT_TESTS_UNIT_SYNC_LOCK_ORDER_RECORDER_HPP
#define CONDUIT_TESTS_UNIT_SYNC_LOCK_ORDER_RECORDER_HPP

#include <gtest/gtest.h>

#include <conduit/sync/lock_order.hpp>
#include <conduit/sync/mutex.hpp>
#include <vector>

namespace conduit::test {

inline mutex g_reports_mu;
inline std::vector<lock_order::violation> g_reports;  // guarded by g_reports_mu

inline void record_report(const lock_order::violation& v) {
  lock_guard lock(g_reports_mu);
  g_reports.push_back(v);
}

inline std::vector<lock_order::violation> reports() {
  lock_guard lock(g_reports_mu);
  return g_reports;
}

// Installs the recording handler and the given checks for one test, and restores the
// previous ones after it.
class lock_order_fixture : public ::testing::Test {
 protected:
  explicit lock_order_fixture(lock_order::checks c = lock_order::checks::rank) : checks_(c) {}
  void SetUp() override {
    {
      lock_guard lock(g_reports_mu);
      g_reports.clear();
    }
    saved_checks_ = lock_order::enabled_checks();
    saved_handler_ = lock_order::set_handler(&record_report);
    lock_order::set_checks(checks_);
  }
  void TearDown() override {
    lock_order::set_checks(saved_checks_);
    lock_order::set_handler(saved_handler_);
  }

 private:
  lock_order::checks checks_;
  lock_order::checks saved_checks_ = lock_order::checks::rank;
  lock_order::handler saved_handler_ = nullptr;
};

}  // namespace conduit::test

#endif  // CONDUIT_TESTS_UNIT_SYNC_LOCK_ORDER_RECORDER_HPP
