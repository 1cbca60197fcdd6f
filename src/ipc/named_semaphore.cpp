// named_semaphore over sem_open. close() from another thread: calls hold an in-flight count;
// close marks the state closing, waits (in the parking lot) until the count drains, and only
// then calls sem_close, so no call ever touches an unmapped semaphore. Waits sleep in slices
// of kSlice to notice closing.
//
// Invariants: in_flight_ counts calls between enter() and leave(); bit kClosing is set once,
// by close(); after it is set enter() fails, and the last leave() wakes close().
#include <fcntl.h>
#include <semaphore.h>

#include <atomic>
#include <cerrno>
#include <conduit/ipc/ipc_error.hpp>
#include <conduit/ipc/named_semaphore.hpp>
#include <conduit/runtime/parking_lot.hpp>
#include <string>

#include "runtime/process_wait.hpp"

namespace conduit::ipc {

struct detail::sem_state {
  sem_state(sem_t* s, std::string n, bool c) : sem(s), name(std::move(n)), created(c) {}
  static constexpr std::uint64_t kClosing = 1ull << 63;
  sem_t* const sem;
  const std::string name;
  const bool created;
  std::atomic<std::uint64_t> in_flight{0};

  bool enter() noexcept {
    std::uint64_t old = in_flight.fetch_add(1, std::memory_order_acq_rel);
    if ((old & kClosing) != 0) {
      leave();
      return false;
    }
    return true;
  }
  void leave() noexcept {
    std::uint64_t old = in_flight.fetch_sub(1, std::memory_order_acq_rel);
    if ((old & kClosing) != 0 && (old & ~kClosing) == 1) runtime::unpark_all(&in_flight);
  }
  bool closing() const noexcept {
    return (in_flight.load(std::memory_order_acquire) & kClosing) != 0;
  }
};

namespace {

constexpr auto kSlice = std::chrono::milliseconds(100);

// Holds one in-flight reference for a call.
class call_guard {
 public:
  explicit call_guard(detail::sem_state* s) noexcept : s_(s) { ok_ = s_ != nullptr && s_->enter(); }
  ~call_guard() {
    if (ok_) s_->leave();
  }
  call_guard(const call_guard&) = delete;
  call_guard& operator=(const call_guard&) = delete;
  [[nodiscard]] bool ok() const noexcept { return ok_; }

 private:
  detail::sem_state* s_;
  bool ok_ = false;
};

}  // namespace

named_semaphore::named_semaphore() noexcept = default;
named_semaphore::named_semaphore(std::unique_ptr<detail::sem_state> s) noexcept
    : s_(std::move(s)) {}
named_semaphore::named_semaphore(named_semaphore&&) noexcept = default;
named_semaphore& named_semaphore::operator=(named_semaphore&& o) noexcept {
  if (this != &o) {
    (void)close();
    s_ = std::move(o.s_);
  }
  return *this;
}
named_semaphore::~named_semaphore() { (void)close(); }

namespace {

result<sem_t*> do_open(const std::string& name, int flags, mode_t mode, unsigned value) {
  sem_t* s = ::sem_open(name.c_str(), flags, mode, value);
  if (s == SEM_FAILED) return fail_errno(errno);
  return s;
}

}  // namespace

result<named_semaphore> named_semaphore::create(std::string_view name, unsigned value,
                                                mode_t mode) {
  if (auto v = validate_name(name); !v) return fail(v.error());
  if (value > max_value) return fail_errno(EINVAL);
  std::string n(name);
  auto s = do_open(n, O_CREAT | O_EXCL, mode, value);
  if (!s) return fail(s.error());
  return named_semaphore(std::make_unique<detail::sem_state>(*s, std::move(n), true));
}

result<named_semaphore> named_semaphore::open(std::string_view name) {
  if (auto v = validate_name(name); !v) return fail(v.error());
  std::string n(name);
  auto s = do_open(n, 0, 0, 0);
  if (!s) return fail(s.error());
  return named_semaphore(std::make_unique<detail::sem_state>(*s, std::move(n), false));
}

result<named_semaphore> named_semaphore::open_or_create(std::string_view name, unsigned value,
                                                        mode_t mode) {
  if (auto v = validate_name(name); !v) return fail(v.error());
  for (int round = 0; round < 100; ++round) {
    auto c = create(name, value, mode);
    if (c || c.error() != std::errc::file_exists) return c;
    auto o = open(name);
    if (o || o.error() != std::errc::no_such_file_or_directory) return o;
  }
  return fail_errno(EAGAIN);
}

result<void> named_semaphore::unlink(std::string_view name) {
  if (auto v = validate_name(name); !v) return fail(v.error());
  if (::sem_unlink(std::string(name).c_str()) != 0) return fail_errno(errno);
  return {};
}

result<void> named_semaphore::wait(deadline d) noexcept {
  call_guard g(s_.get());
  if (!g.ok()) return fail(errc::closed);
  for (;;) {
    if (s_->closing()) return fail(errc::closed);
    int r = runtime::wait_semaphore(s_->sem, deadline::earlier(d, deadline::after(kSlice)));
    if (r == 0) return {};
    if (r != ETIMEDOUT) return fail_errno(r);
    if (d.passed()) return fail(errc::timeout);
  }
}

result<void> named_semaphore::try_wait() noexcept {
  call_guard g(s_.get());
  if (!g.ok()) return fail(errc::closed);
  while (::sem_trywait(s_->sem) != 0) {
    if (errno == EAGAIN) return fail(errc::would_block);
    if (errno != EINTR) return fail_errno(errno);
  }
  return {};
}

result<void> named_semaphore::post() noexcept {
  call_guard g(s_.get());
  if (!g.ok()) return fail(errc::closed);
  if (::sem_post(s_->sem) != 0) return fail_errno(errno);
  return {};
}

result<unsigned> named_semaphore::value() const noexcept {
  call_guard g(s_.get());
  if (!g.ok()) return fail(errc::closed);
  int v = 0;
  if (::sem_getvalue(s_->sem, &v) != 0) return fail_errno(errno);
  return static_cast<unsigned>(v < 0 ? 0 : v);
}

const std::string& named_semaphore::name() const noexcept {
  static const std::string empty;
  return s_ ? s_->name : empty;
}

bool named_semaphore::created() const noexcept { return s_ && s_->created; }

bool named_semaphore::is_open() const noexcept { return s_ && !s_->closing(); }

result<void> named_semaphore::close() noexcept {
  if (!s_) return fail(errc::closed);
  detail::sem_state& s = *s_;
  std::uint64_t old = s.in_flight.fetch_or(detail::sem_state::kClosing, std::memory_order_acq_rel);
  if ((old & detail::sem_state::kClosing) != 0) return fail(errc::closed);
  while ((s.in_flight.load(std::memory_order_acquire) & ~detail::sem_state::kClosing) != 0) {
    runtime::park_on(
        &s.in_flight,
        [&] {
          return (s.in_flight.load(std::memory_order_acquire) & ~detail::sem_state::kClosing) != 0;
        },
        deadline::never());
  }
  ::sem_close(s.sem);
  return {};
}

}  // namespace conduit::ipc
