// process_mutex over a robust, process-shared pthread mutex; process_cond over a sequence
// word. Their waits go through src/runtime (process_wait.hpp, shared_wait.hpp).
#include <cerrno>
#include <climits>
#include <conduit/ipc/process_cond.hpp>
#include <conduit/ipc/process_mutex.hpp>
#include <conduit/runtime/park.hpp>

#include "runtime/process_wait.hpp"
#include "runtime/shared_wait.hpp"
#include "runtime/spin.hpp"

namespace conduit::ipc {

static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

process_mutex::process_mutex() noexcept {
  pthread_mutexattr_t a;
  bool ok = ::pthread_mutexattr_init(&a) == 0 &&
            ::pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED) == 0 &&
            ::pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) == 0 &&
            ::pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK) == 0 &&
            ::pthread_mutex_init(&m_, &a) == 0;
  ::pthread_mutexattr_destroy(&a);
  if (!ok) fatal("ipc: process_mutex init failed");
}

process_mutex::~process_mutex() { ::pthread_mutex_destroy(&m_); }

namespace {

result<void> lock_result(int r) {
  switch (r) {
    case 0:
      return {};
    case EOWNERDEAD:
      return fail(errc::owner_dead);
    case ETIMEDOUT:
      return fail(errc::timeout);
    case EBUSY:
      return fail(errc::would_block);
    default:
      return fail_errno(r);
  }
}

}  // namespace

result<void> process_mutex::lock(deadline d) noexcept {
  return lock_result(runtime::lock_robust_mutex(&m_, d));
}

result<void> process_mutex::try_lock() noexcept {
  return lock_result(runtime::try_lock_robust_mutex(&m_));
}

result<void> process_mutex::unlock() noexcept {
  int r = ::pthread_mutex_unlock(&m_);
  if (r != 0) return fail_errno(r);
  return {};
}

result<void> process_mutex::make_consistent() noexcept {
  int r = ::pthread_mutex_consistent(&m_);
  if (r != 0) return fail_errno(r);
  return {};
}

result<void> process_cond::wait(process_mutex& m, deadline d) noexcept {
  const std::uint32_t seq = seq_.load(std::memory_order_acquire);
  if (auto u = m.unlock(); !u) return u;
  // Spin briefly (the runtime's adaptive spinner) for a signal from a running peer, then
  // sleep on the word.
  bool changed = false;
  auto spin = runtime::detail::spinner::begin();
  while (spin.keep_going()) {
    if (seq_.load(std::memory_order_acquire) != seq) {
      changed = true;
      spin.succeeded();
      break;
    }
    runtime::cpu_relax();
  }
  bool timed_out = false;
  if (!changed) {
    timed_out = runtime::wait_shared_word(seq_, seq, d) == runtime::shared_wait::timeout;
  }
  if (auto l = m.lock(); !l) return l;
  if (timed_out) return fail(errc::timeout);
  return {};
}

void process_cond::signal() noexcept {
  seq_.fetch_add(1, std::memory_order_release);
  runtime::wake_shared_word(seq_, 1);
}

void process_cond::broadcast() noexcept {
  seq_.fetch_add(1, std::memory_order_release);
  runtime::wake_shared_word(seq_, INT_MAX);
}

}  // namespace conduit::ipc
