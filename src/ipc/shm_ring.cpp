// ipc::shm_ring: stream and message rings in shared memory. The layout and the invariants of
// the shared words are in ring_layout.hpp; this file holds the protocol.
//
// Trust: nothing read from the mapping is trusted. Geometry is copied and validated once at
// open; each end keeps its own index (the stream writer its head, the consumer its tail);
// every index, length and pid read from the ring is checked before use, and every data
// access is masked with this side's copy of capacity - 1. A failed check is errc::corrupt and
// makes the end broken (every later call returns errc::corrupt).
//
// Waiting (consumer for data, producer for room, sender for the producers' lock): re-check
// for runtime::spin_budget(), then sleep on the futex word through runtime::wait_shared_word
// in slices of at most kSlice, checking between slices (and at most once per kSlice) that
// the peer's process still lives.
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <conduit/ipc/ipc_error.hpp>
#include <conduit/ipc/shm_ring.hpp>
#include <conduit/runtime/park.hpp>
#include <conduit/sync/mutex.hpp>
#include <cstring>
#include <new>
#include <optional>

#include "ipc/ring_layout.hpp"
#include "runtime/shared_wait.hpp"
#include "runtime/spin.hpp"

namespace conduit::ipc {

using detail::ring_control;

static_assert(shm_ring::control_size == detail::kControlSize);
static_assert(shm_ring::max_producers == detail::kMaxProducers);

namespace detail {

struct ring_state {
  shared_memory mem;
  ring_control* ctl = nullptr;
  std::byte* data = nullptr;
  std::uint64_t capacity = 0;  // validated copy
  std::uint64_t mask = 0;
  ring_kind kind = ring_kind::stream;
};

enum class role : std::uint8_t { stream_writer, stream_reader, sender, receiver };

struct end_state {
  end_state(std::shared_ptr<ring_state> r, role ro, int sl, std::int32_t p)
      : ring(std::move(r)), what(ro), slot(sl), pid(p) {}
  const std::shared_ptr<ring_state> ring;
  const role what;
  const int slot;  // producers[slot], or -1 for the consumer
  const std::int32_t pid;
  conduit::mutex op_mu;  // one call at a time on this end
  std::atomic<bool> closing{false};
  bool closed CONDUIT_GUARDED_BY(op_mu) = false;
  bool broken CONDUIT_GUARDED_BY(op_mu) = false;
  // The stream writer's head, or the consumer's tail: this side's own index.
  std::uint64_t index CONDUIT_GUARDED_BY(op_mu) = 0;
  // The peer's index as last read and validated: the consumer's view of head, or a
  // producer's view of tail. Reading it again only when it no longer suffices keeps the
  // peer's cache line out of the fast path.
  std::uint64_t peer_index CONDUIT_GUARDED_BY(op_mu) = 0;
  // When this end last asked whether its peers live (ns of conduit::clock).
  std::int64_t last_liveness_ns CONDUIT_GUARDED_BY(op_mu) = INT64_MIN / 2;
};

}  // namespace detail

namespace {

using detail::end_state;
using detail::ring_state;
using detail::role;

constexpr auto kSlice = std::chrono::milliseconds(50);
constexpr std::int64_t kSliceNs = 50'000'000;

std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now().time_since_epoch())
      .count();
}

std::uint64_t round_up8(std::uint64_t n) noexcept { return (n + 7) & ~std::uint64_t{7}; }

// Whether the process `pid` has ended (exited or been killed; a zombie counts as ended).
// Unknown (e.g. EMFILE) counts as alive: the caller's deadline still bounds its wait.
bool process_ended(std::int32_t pid) noexcept {
  if (pid == static_cast<std::int32_t>(::getpid())) return false;
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ESRCH;
  pollfd p{fd, POLLIN, 0};
  int r = ::poll(&p, 1, 0);  // a query, not a wait: timeout 0
  ::close(fd);
  return r == 1 && (p.revents & POLLIN) != 0;
}

bool valid_pid(std::int32_t v) noexcept { return v > 0 && v <= detail::kPidMax; }

// What the other side of an end looks like.
enum class peer_state : std::uint8_t { waiting, closed, dead, corrupt };

// Reads one role slot; with `check`, asks the kernel whether an attached pid still lives and
// marks it dead in the ring if not.
peer_state slot_state(std::atomic<std::int32_t>& slot, bool check, int& live, int& closed,
                      int& dead) noexcept {
  std::int32_t v = slot.load(std::memory_order_acquire);
  if (v == detail::kSlotFree) return peer_state::waiting;
  if (v == detail::kSlotClosed) {
    ++closed;
  } else if (v == detail::kSlotDead) {
    ++dead;
  } else if (valid_pid(v)) {
    if (check && process_ended(v)) {
      slot.compare_exchange_strong(v, detail::kSlotDead, std::memory_order_acq_rel);
      ++dead;
    } else {
      ++live;
    }
  } else {
    return peer_state::corrupt;
  }
  return peer_state::waiting;
}

// The producers, as the consumer sees them: waiting (one lives, or none attached yet),
// closed (all that attached closed), dead (none lives and one died), or corrupt.
peer_state producers_state(ring_state& r, bool check) noexcept {
  int live = 0, closed = 0, dead = 0;
  const int n = r.kind == ring_kind::stream ? 1 : detail::kMaxProducers;
  for (int i = 0; i < n; ++i) {
    if (slot_state(r.ctl->producers[i], check, live, closed, dead) == peer_state::corrupt) {
      return peer_state::corrupt;
    }
  }
  if (live > 0 || closed + dead == 0) return peer_state::waiting;
  return dead > 0 ? peer_state::dead : peer_state::closed;
}

// The consumer, as a producer sees it.
peer_state consumer_state(ring_state& r, bool check) noexcept {
  int live = 0, closed = 0, dead = 0;
  if (slot_state(r.ctl->consumer, check, live, closed, dead) == peer_state::corrupt) {
    return peer_state::corrupt;
  }
  if (dead > 0) return peer_state::dead;
  if (closed > 0) return peer_state::closed;
  return peer_state::waiting;
}

// Whether it is time for `e` to ask the kernel about its peers again (and notes that it does).
bool liveness_due(end_state& e) noexcept CONDUIT_REQUIRES(e.op_mu) {
  std::int64_t now = now_ns();
  if (now - e.last_liveness_ns < kSliceNs) return false;
  e.last_liveness_ns = now;
  return true;
}

void bump_and_wake(std::atomic<std::uint32_t>& word) noexcept {
  word.fetch_add(1, std::memory_order_seq_cst);
  runtime::wake_shared_word(word, INT_MAX);
}

// Copies between the ring and flat memory, wrapping at the end of the data.
void copy_in(ring_state& r, std::uint64_t pos, const std::byte* src, std::size_t n) noexcept {
  std::size_t at = static_cast<std::size_t>(pos & r.mask);
  std::size_t first = std::min<std::size_t>(n, static_cast<std::size_t>(r.capacity) - at);
  std::memcpy(r.data + at, src, first);
  if (first < n) std::memcpy(r.data, src + first, n - first);
}
void copy_out(ring_state& r, std::uint64_t pos, std::byte* dst, std::size_t n) noexcept {
  std::size_t at = static_cast<std::size_t>(pos & r.mask);
  std::size_t first = std::min<std::size_t>(n, static_cast<std::size_t>(r.capacity) - at);
  std::memcpy(dst, r.data + at, first);
  if (first < n) std::memcpy(dst + first, r.data, n - first);
}

// One wait's spin, through the runtime's adaptive spinner: it spins for the spin budget from
// the first call unless this thread's recent spins failed (then it sleeps at once), and
// tells the spinner how the spin went: a wait left while still spinning succeeded.
class spin_phase {
 public:
  spin_phase() noexcept = default;
  spin_phase(const spin_phase&) = delete;
  spin_phase& operator=(const spin_phase&) = delete;
  ~spin_phase() {
    if (s_) s_->succeeded();
  }
  // True while the caller should re-check instead of sleeping (after a short pause).
  bool keep_spinning() noexcept {
    if (!s_) s_.emplace(runtime::detail::spinner::begin());
    if (!s_->keep_going()) return false;
    runtime::cpu_relax();  // one pause (~40-140 cycles): react within a cache-line transfer
    return true;
  }

 private:
  std::optional<runtime::detail::spinner> s_;
};

// Sleeps on word (expected seq) until woken, the deadline, or the end of one slice.
void sleep_slice(std::atomic<std::uint32_t>& word, std::uint32_t seq, deadline d) noexcept {
  (void)runtime::wait_shared_word(word, seq, deadline::earlier(d, deadline::after(kSlice)));
}

// ---- consumer side ----

// The published head, validated against this consumer's tail.
result<std::uint64_t> load_head(end_state& e) noexcept CONDUIT_REQUIRES(e.op_mu) {
  ring_state& r = *e.ring;
  std::uint64_t h = r.ctl->head.load(std::memory_order_seq_cst);
  std::uint64_t avail = h - e.index;
  if (avail > r.capacity) return fail(errc::corrupt);
  if (r.kind == ring_kind::message && avail % 8 != 0) return fail(errc::corrupt);
  return h;
}

// Waits until the ring holds bytes past this consumer's tail; returns the head. Spins on the
// head only; looks at the producers (and, at most every kSlice, at their processes) only
// before it would time out or sleep.
result<std::uint64_t> consumer_wait(end_state& e, deadline d) noexcept CONDUIT_REQUIRES(e.op_mu) {
  if (e.peer_index != e.index) return e.peer_index;  // known, validated, not yet consumed
  ring_state& r = *e.ring;
  ring_control& c = *r.ctl;
  spin_phase spin;
  for (;;) {
    if (e.closing.load(std::memory_order_seq_cst)) return fail(errc::closed);
    auto h = load_head(e);
    if (!h) return h;
    if (*h != e.index) {
      e.peer_index = *h;
      return h;
    }
    const bool past = d.passed();
    if (!past && spin.keep_spinning()) continue;
    peer_state ps = producers_state(r, liveness_due(e));
    if (ps == peer_state::corrupt) return fail(errc::corrupt);
    if (ps != peer_state::waiting) {
      // Producers publish before they close: a second look sees anything they left.
      h = load_head(e);
      if (!h) return h;
      if (*h != e.index) {
        e.peer_index = *h;
        return h;
      }
      return fail(ps == peer_state::dead ? errc::owner_dead : errc::eof);
    }
    if (past) return fail(errc::timeout);
    c.data_waiters.store(1, std::memory_order_seq_cst);
    std::uint32_t seq = c.data_seq.load(std::memory_order_seq_cst);
    h = load_head(e);
    if (h && *h == e.index && !e.closing.load(std::memory_order_seq_cst)) {
      sleep_slice(c.data_seq, seq, d);
    }
    c.data_waiters.store(0, std::memory_order_relaxed);
  }
}

// Publishes this consumer's tail and wakes a producer waiting for room.
void publish_tail(end_state& e) noexcept CONDUIT_REQUIRES(e.op_mu) {
  ring_control& c = *e.ring->ctl;
  c.tail.store(e.index, std::memory_order_seq_cst);
  if (c.space_waiters.load(std::memory_order_seq_cst) != 0) bump_and_wake(c.space_seq);
}

// ---- producer side ----

// The free bytes past head `h`, from the cached tail when that shows `need` free, else from
// the consumer's tail (validated: h - tail <= capacity).
result<std::uint64_t> free_space(end_state& e, std::uint64_t h, std::uint64_t need) noexcept
    CONDUIT_REQUIRES(e.op_mu) {
  const std::uint64_t cap = e.ring->capacity;
  std::uint64_t used = h - e.peer_index;
  if (used <= cap && cap - used >= need) return cap - used;
  std::uint64_t t = e.ring->ctl->tail.load(std::memory_order_seq_cst);
  used = h - t;
  if (used > cap) return fail(errc::corrupt);
  e.peer_index = t;
  return cap - used;
}

// Fails with the consumer's state if it closed, died, or broke its slot. `check` asks the
// kernel whether its process lives (at most every kSlice).
result<void> check_consumer(end_state& e, bool check) noexcept CONDUIT_REQUIRES(e.op_mu) {
  switch (consumer_state(*e.ring, check && liveness_due(e))) {
    case peer_state::waiting:
      return {};
    case peer_state::closed:
      return fail(errc::closed_pipe);
    case peer_state::dead:
      return fail(errc::owner_dead);
    case peer_state::corrupt:
      break;
  }
  return fail(errc::corrupt);
}

// Waits until at least `need` bytes are free past head `h`, or fails. Spins on the tail only;
// looks at the consumer before it would time out or sleep.
result<void> producer_wait(end_state& e, std::uint64_t h, std::uint64_t need, deadline d) noexcept
    CONDUIT_REQUIRES(e.op_mu) {
  ring_control& c = *e.ring->ctl;
  spin_phase spin;
  for (;;) {
    if (e.closing.load(std::memory_order_seq_cst)) return fail(errc::closed);
    auto f = free_space(e, h, need);
    if (!f) return fail(f.error());
    if (*f >= need) return {};
    const bool past = d.passed();
    if (!past && spin.keep_spinning()) continue;
    if (auto cs = check_consumer(e, true); !cs) return cs;
    if (past) return fail(errc::timeout);
    c.space_waiters.store(1, std::memory_order_seq_cst);
    std::uint32_t seq = c.space_seq.load(std::memory_order_seq_cst);
    f = free_space(e, h, need);
    if (f && *f < need && !e.closing.load(std::memory_order_seq_cst)) {
      sleep_slice(c.space_seq, seq, d);
    }
    c.space_waiters.store(0, std::memory_order_relaxed);
  }
}

// Publishes head `h` and wakes the consumer if it waits.
void publish_head(ring_control& c, std::uint64_t h) noexcept {
  c.head.store(h, std::memory_order_seq_cst);
  if (c.data_waiters.load(std::memory_order_seq_cst) != 0) bump_and_wake(c.data_seq);
}

// Whether the producer in `slot` is gone: its end closed, or its process ended (asked of
// the kernel), in which case the slot is marked dead.
bool producer_gone(ring_state& r, std::uint32_t slot) noexcept {
  std::atomic<std::int32_t>& sl = r.ctl->producers[slot];
  std::int32_t v = sl.load(std::memory_order_acquire);
  if (!valid_pid(v)) return true;  // free, closed, dead, or garbage: nobody holds it
  if (!process_ended(v)) return false;
  sl.compare_exchange_strong(v, detail::kSlotDead, std::memory_order_acq_rel);
  return true;
}

// Takes the producers' lock of a message ring. The lock word names the holder's slot (plus
// one), so that several senders in one process are told apart; a holder whose process has
// ended is replaced (the record it was writing was never published: nothing to repair).
result<void> lock_producers(end_state& e, deadline d) noexcept CONDUIT_REQUIRES(e.op_mu) {
  std::atomic<std::uint32_t>& l = e.ring->ctl->lock;
  const auto me = static_cast<std::uint32_t>(e.slot + 1);
  std::uint32_t v = 0;
  if (l.compare_exchange_strong(v, me, std::memory_order_acquire)) return {};
  spin_phase spin;
  bool slept = false;
  for (;;) {
    if (e.closing.load(std::memory_order_seq_cst)) return fail(errc::closed);
    v = l.load(std::memory_order_relaxed);
    const std::uint32_t holder = v & ~detail::kLockWaiters;
    if (holder == 0) {
      // After sleeping, other waiters may sleep too: keep the flag so that unlock wakes one.
      if (l.compare_exchange_weak(v, slept ? me | detail::kLockWaiters : me,
                                  std::memory_order_acquire)) {
        return {};
      }
      continue;
    }
    // We do not hold it (our calls are serialised), so a word naming us is garbage too.
    if (holder > static_cast<std::uint32_t>(detail::kMaxProducers) || holder == me) {
      return fail(errc::corrupt);
    }
    const bool past = d.passed();
    if (!past && spin.keep_spinning()) continue;
    if (liveness_due(e) && producer_gone(*e.ring, holder - 1)) {
      if (l.compare_exchange_strong(v, me | detail::kLockWaiters, std::memory_order_acquire)) {
        return {};
      }
      continue;
    }
    if (past) return fail(errc::timeout);
    if ((v & detail::kLockWaiters) == 0 &&
        !l.compare_exchange_weak(v, v | detail::kLockWaiters, std::memory_order_relaxed)) {
      continue;
    }
    (void)runtime::wait_shared_word(l, v | detail::kLockWaiters,
                                    deadline::earlier(d, deadline::after(kSlice)));
    slept = true;
  }
}

void unlock_producers(ring_control& c) noexcept {
  if ((c.lock.exchange(0, std::memory_order_release) & detail::kLockWaiters) != 0) {
    runtime::wake_shared_word(c.lock, 1);
  }
}

// ---- attaching and closing ----

result<std::unique_ptr<end_state>> attach_end(const std::shared_ptr<ring_state>& r, role what) {
  if (!r) return fail(errc::closed);
  const bool stream = what == role::stream_writer || what == role::stream_reader;
  if ((r->kind == ring_kind::stream) != stream) {
    return fail(std::make_error_code(std::errc::invalid_argument));
  }
  const auto pid = static_cast<std::int32_t>(::getpid());
  ring_control& c = *r->ctl;
  int slot = -1;
  if (what == role::stream_reader || what == role::receiver) {
    std::int32_t v = detail::kSlotFree;
    if (!c.consumer.compare_exchange_strong(v, pid, std::memory_order_acq_rel)) {
      if (v != detail::kSlotClosed && v != detail::kSlotDead && !valid_pid(v)) {
        return fail(errc::corrupt);
      }
      return fail(std::make_error_code(std::errc::device_or_resource_busy));
    }
  } else if (what == role::stream_writer) {
    std::int32_t v = detail::kSlotFree;
    if (!c.producers[0].compare_exchange_strong(v, pid, std::memory_order_acq_rel)) {
      if (v != detail::kSlotClosed && v != detail::kSlotDead && !valid_pid(v)) {
        return fail(errc::corrupt);
      }
      return fail(std::make_error_code(std::errc::device_or_resource_busy));
    }
    slot = 0;
  } else {
    // A free slot first; else reuse one that closed cleanly (it no longer counts).
    for (std::int32_t want : {detail::kSlotFree, detail::kSlotClosed}) {
      for (int i = 0; i < detail::kMaxProducers && slot < 0; ++i) {
        std::int32_t v = want;
        if (c.producers[i].compare_exchange_strong(v, pid, std::memory_order_acq_rel)) slot = i;
      }
      if (slot >= 0) break;
    }
    if (slot < 0) return fail_errno(EUSERS);
  }
  return std::make_unique<end_state>(r, what, slot, pid);
}

// Closes an end: wakes its own waiters, waits for its call in progress, marks its slot
// closed and wakes the peer.
result<void> close_end(end_state& e) noexcept {
  if (e.closing.exchange(true, std::memory_order_seq_cst)) return fail(errc::closed);
  ring_control& c = *e.ring->ctl;
  const bool consumer = e.slot < 0;
  if (consumer) {
    bump_and_wake(c.data_seq);
  } else {
    bump_and_wake(c.space_seq);
    runtime::wake_shared_word(c.lock, INT_MAX);
  }
  conduit::lock_guard g(e.op_mu);
  e.closed = true;
  std::atomic<std::int32_t>& slot = consumer ? c.consumer : c.producers[e.slot];
  std::int32_t v = e.pid;
  slot.compare_exchange_strong(v, detail::kSlotClosed, std::memory_order_seq_cst);
  bump_and_wake(consumer ? c.space_seq : c.data_seq);
  return {};
}

// Runs f(e) with the end's call lock held, failing at once on a closed or broken end, and
// marking the end broken when f reports errc::corrupt.
// (The analysis cannot follow f's requirement through the template: checked by hand.)
template <class R, class F>
R with_end(const std::unique_ptr<end_state>& s, deadline d,
           F f) noexcept CONDUIT_NO_THREAD_SAFETY_ANALYSIS {
  if (!s || s->closing.load(std::memory_order_seq_cst)) return fail(errc::closed);
  end_state& e = *s;
  if (!e.op_mu.try_lock_until(d)) return fail(errc::timeout);
  R out = fail(errc::closed);
  if (e.closed || e.closing.load(std::memory_order_seq_cst)) {
    out = fail(errc::closed);
  } else if (e.broken) {
    out = fail(errc::corrupt);
  } else {
    out = f(e);
    if (!out && out.error() == errc::corrupt) e.broken = true;
  }
  e.op_mu.unlock();
  return out;
}

}  // namespace

// ---- shm_ring ----

shm_ring::shm_ring() noexcept = default;
shm_ring::shm_ring(std::shared_ptr<detail::ring_state> s) noexcept : s_(std::move(s)) {}

ring_kind shm_ring::kind() const noexcept { return s_ ? s_->kind : ring_kind::stream; }
std::size_t shm_ring::capacity() const noexcept {
  return s_ ? static_cast<std::size_t>(s_->capacity) : 0;
}
std::size_t shm_ring::max_message() const noexcept {
  return s_ ? static_cast<std::size_t>(s_->capacity) - detail::kRecordHeader : 0;
}
const shared_memory& shm_ring::memory() const noexcept {
  static const shared_memory none;
  return s_ ? s_->mem : none;
}

namespace {

result<std::uint64_t> ring_capacity(std::size_t want) {
  if (want > shm_ring::max_capacity) {
    return fail(std::make_error_code(std::errc::invalid_argument));
  }
  std::uint64_t cap = shm_ring::min_capacity;
  while (cap < want) cap <<= 1;
  return cap;
}

// Validates the ring in mem (whose magic is published) and builds this side's state.
result<std::shared_ptr<ring_state>> validate(shared_memory mem) {
  if (mem.size() < detail::kControlSize || !mem.writable()) return fail(errc::corrupt);
  auto* c = std::launder(reinterpret_cast<ring_control*>(mem.data().data()));
  if (c->magic.load(std::memory_order_acquire) != detail::kRingMagic) return fail(errc::corrupt);
  const std::uint32_t version = c->version.load(std::memory_order_relaxed);
  const std::uint32_t kind = c->kind.load(std::memory_order_relaxed);
  const std::uint64_t cap = c->capacity.load(std::memory_order_relaxed);
  if (version != detail::kRingVersion) return fail(errc::corrupt);
  if (kind != static_cast<std::uint32_t>(ring_kind::stream) &&
      kind != static_cast<std::uint32_t>(ring_kind::message)) {
    return fail(errc::corrupt);
  }
  if (cap < shm_ring::min_capacity || cap > shm_ring::max_capacity || (cap & (cap - 1)) != 0 ||
      cap > mem.size() - detail::kControlSize) {
    return fail(errc::corrupt);
  }
  auto s = std::make_shared<ring_state>();
  s->ctl = c;
  s->data = mem.data().data() + detail::kControlSize;
  s->capacity = cap;
  s->mask = cap - 1;
  s->kind = static_cast<ring_kind>(kind);
  s->mem = std::move(mem);
  return s;
}

// Lays a ring out in mem (already sized, control block zeroed): writes the geometry, then
// publishes the magic and wakes openers waiting for it.
result<std::shared_ptr<ring_state>> lay_out(shared_memory mem, ring_kind kind, std::uint64_t cap) {
  auto* c = ::new (static_cast<void*>(mem.data().data())) ring_control{};
  c->version.store(detail::kRingVersion, std::memory_order_relaxed);
  c->kind.store(static_cast<std::uint32_t>(kind), std::memory_order_relaxed);
  c->capacity.store(cap, std::memory_order_relaxed);
  c->magic.store(detail::kRingMagic, std::memory_order_release);
  // An opener may sleep on the magic (the low half of the first word).
  runtime::wake_shared_word(c->magic, INT_MAX);
  return validate(std::move(mem));
}

}  // namespace

result<shm_ring> shm_ring::create(std::string_view name, ring_kind kind, std::size_t capacity,
                                  mode_t mode) {
  auto cap = ring_capacity(capacity);
  if (!cap) return fail(cap.error());
  auto mem = shared_memory::create(name, detail::kControlSize + *cap, mode);
  if (!mem) return fail(mem.error());
  auto r = lay_out(std::move(*mem), kind, *cap);
  if (!r) {
    (void)shared_memory::unlink(name);
    return fail(r.error());
  }
  return shm_ring(std::move(*r));
}

result<shm_ring> shm_ring::create(shared_memory mem, ring_kind kind, std::size_t capacity) {
  auto cap = ring_capacity(capacity);
  if (!cap) return fail(cap.error());
  if (!mem.valid()) return fail(errc::closed);
  if (!mem.writable()) return fail_errno(EACCES);
  if (auto r = mem.resize(detail::kControlSize + *cap); !r) return fail(r.error());
  std::memset(mem.data().data(), 0, detail::kControlSize);
  auto r = lay_out(std::move(mem), kind, *cap);
  if (!r) return fail(r.error());
  return shm_ring(std::move(*r));
}

result<shm_ring> shm_ring::open(std::string_view name, deadline d) {
  auto mem = shared_memory::open(name);
  if (!mem) return fail(mem.error());
  // The creator sizes the object right after making it: wait briefly for that.
  while (mem->size() < detail::kControlSize) {
    if (d.passed()) return fail(errc::timeout);
    runtime::park(deadline::earlier(d, deadline::after(std::chrono::milliseconds(1))));
    if (auto r = mem->remap(); !r) return fail(r.error());
  }
  auto* c = std::launder(reinterpret_cast<ring_control*>(mem->data().data()));
  for (;;) {
    std::uint32_t m = c->magic.load(std::memory_order_acquire);
    if (m != 0) break;
    if (d.passed()) return fail(errc::timeout);
    (void)runtime::wait_shared_word(c->magic, 0, deadline::earlier(d, deadline::after(kSlice)));
  }
  // The object may have grown with the layout (shm_ring::create sizes it first, so this is
  // for rings laid out by create(shared_memory)).
  if (auto r = mem->remap(); !r) return fail(r.error());
  auto s = validate(std::move(*mem));
  if (!s) return fail(s.error());
  return shm_ring(std::move(*s));
}

result<shm_ring> shm_ring::open(shared_memory mem) {
  if (!mem.valid()) return fail(errc::closed);
  if (auto r = mem.remap(); !r) return fail(r.error());
  if (mem.size() < detail::kControlSize) return fail(errc::corrupt);
  auto* c = std::launder(reinterpret_cast<ring_control*>(mem.data().data()));
  if (c->magic.load(std::memory_order_acquire) == 0) return fail(errc::timeout);
  auto s = validate(std::move(mem));
  if (!s) return fail(s.error());
  return shm_ring(std::move(*s));
}

result<void> shm_ring::unlink(std::string_view name) { return shared_memory::unlink(name); }

// ---- shm_stream_writer ----

shm_stream_writer::shm_stream_writer() noexcept = default;
shm_stream_writer::shm_stream_writer(std::unique_ptr<detail::end_state> s) noexcept
    : s_(std::move(s)) {}
shm_stream_writer::shm_stream_writer(shm_stream_writer&&) noexcept = default;
shm_stream_writer& shm_stream_writer::operator=(shm_stream_writer&& o) noexcept {
  if (this != &o) {
    if (s_) (void)close_end(*s_);
    s_ = std::move(o.s_);
  }
  return *this;
}
shm_stream_writer::~shm_stream_writer() {
  if (s_) (void)close_end(*s_);
}

result<shm_stream_writer> shm_stream_writer::attach(shm_ring ring) {
  auto e = attach_end(ring.s_, role::stream_writer);
  if (!e) return fail(e.error());
  {
    conduit::lock_guard g((*e)->op_mu);
    (*e)->index = ring.s_->ctl->head.load(std::memory_order_acquire);
  }
  return shm_stream_writer(std::move(*e));
}

namespace {

// Writes as much of buf as the ring takes, waiting for room until d; {n, err}.
io_result stream_write(end_state& e, std::span<const std::byte> buf, deadline d) noexcept
    CONDUIT_REQUIRES(e.op_mu) {
  ring_state& r = *e.ring;
  std::size_t done = 0;
  if (auto cs = check_consumer(e, false); !cs) return {0, cs.error()};
  while (done < buf.size()) {
    auto f = free_space(e, e.index, buf.size() - done);
    if (!f) return {done, f.error()};
    if (*f == 0) {
      if (auto w = producer_wait(e, e.index, 1, d); !w) return {done, w.error()};
      continue;
    }
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(*f, buf.size() - done));
    copy_in(r, e.index, buf.data() + done, n);
    e.index += n;
    done += n;
    publish_head(*r.ctl, e.index);
  }
  return {done, {}};
}

}  // namespace

io_result shm_stream_writer::write(std::span<const std::byte> buf, deadline d) noexcept {
  if (!s_ || s_->closing.load(std::memory_order_seq_cst)) return {0, make_error_code(errc::closed)};
  end_state& e = *s_;
  if (!e.op_mu.try_lock_until(d)) return {0, make_error_code(errc::timeout)};
  io_result r;
  if (e.closed || e.closing.load(std::memory_order_seq_cst)) {
    r = {0, make_error_code(errc::closed)};
  } else if (e.broken) {
    r = {0, make_error_code(errc::corrupt)};
  } else {
    r = stream_write(e, buf, d);
    if (r.err == errc::corrupt) e.broken = true;
  }
  e.op_mu.unlock();
  return r;
}

io_result shm_stream_writer::try_write(std::span<const std::byte> buf) noexcept {
  io_result r = write(buf, deadline::past());
  if (r.err == errc::timeout) r.err = make_error_code(errc::would_block);
  return r;
}

result<void> shm_stream_writer::close() noexcept {
  if (!s_) return fail(errc::closed);
  return close_end(*s_);
}

// ---- shm_stream_reader ----

shm_stream_reader::shm_stream_reader() noexcept = default;
shm_stream_reader::shm_stream_reader(std::unique_ptr<detail::end_state> s) noexcept
    : s_(std::move(s)) {}
shm_stream_reader::shm_stream_reader(shm_stream_reader&&) noexcept = default;
shm_stream_reader& shm_stream_reader::operator=(shm_stream_reader&& o) noexcept {
  if (this != &o) {
    if (s_) (void)close_end(*s_);
    s_ = std::move(o.s_);
  }
  return *this;
}
shm_stream_reader::~shm_stream_reader() {
  if (s_) (void)close_end(*s_);
}

result<shm_stream_reader> shm_stream_reader::attach(shm_ring ring) {
  auto e = attach_end(ring.s_, role::stream_reader);
  if (!e) return fail(e.error());
  {
    conduit::lock_guard g((*e)->op_mu);
    (*e)->index = ring.s_->ctl->tail.load(std::memory_order_acquire);
    (*e)->peer_index = (*e)->index;  // nothing known past the tail yet
  }
  return shm_stream_reader(std::move(*e));
}

result<std::size_t> shm_stream_reader::read(std::span<std::byte> buf, deadline d) noexcept {
  if (buf.empty()) {
    if (!s_ || s_->closing.load()) return fail(errc::closed);
    return std::size_t{0};
  }
  return with_end<result<std::size_t>>(
      s_, d, [&](end_state& e) CONDUIT_REQUIRES(e.op_mu) -> result<std::size_t> {
        auto h = consumer_wait(e, d);
        if (!h) return fail(h.error());
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(*h - e.index, buf.size()));
        copy_out(*e.ring, e.index, buf.data(), n);
        e.index += n;
        publish_tail(e);
        return n;
      });
}

result<std::size_t> shm_stream_reader::try_read(std::span<std::byte> buf) noexcept {
  auto r = read(buf, deadline::past());
  if (!r && r.error() == errc::timeout) return fail(errc::would_block);
  return r;
}

result<void> shm_stream_reader::close() noexcept {
  if (!s_) return fail(errc::closed);
  return close_end(*s_);
}

// ---- shm_message_sender ----

shm_message_sender::shm_message_sender() noexcept = default;
shm_message_sender::shm_message_sender(std::unique_ptr<detail::end_state> s) noexcept
    : s_(std::move(s)) {}
shm_message_sender::shm_message_sender(shm_message_sender&&) noexcept = default;
shm_message_sender& shm_message_sender::operator=(shm_message_sender&& o) noexcept {
  if (this != &o) {
    if (s_) (void)close_end(*s_);
    s_ = std::move(o.s_);
  }
  return *this;
}
shm_message_sender::~shm_message_sender() {
  if (s_) (void)close_end(*s_);
}

result<shm_message_sender> shm_message_sender::attach(shm_ring ring) {
  auto e = attach_end(ring.s_, role::sender);
  if (!e) return fail(e.error());
  return shm_message_sender(std::move(*e));
}

std::size_t shm_message_sender::max_message() const noexcept {
  return s_ ? static_cast<std::size_t>(s_->ring->capacity) - detail::kRecordHeader : 0;
}

namespace {

// Appends one record with the producers' lock held.
result<void> send_locked(end_state& e, std::span<const std::byte> msg, deadline d) noexcept
    CONDUIT_REQUIRES(e.op_mu) {
  ring_state& r = *e.ring;
  ring_control& c = *r.ctl;
  const std::uint64_t need = detail::kRecordHeader + round_up8(msg.size());
  std::uint64_t h = c.head.load(std::memory_order_seq_cst);
  if (h % 8 != 0) return fail(errc::corrupt);
  if (auto w = producer_wait(e, h, need, d); !w) return w;
  // The head is ours while we hold the lock; a peer that moved it broke the protocol.
  if (c.head.load(std::memory_order_relaxed) != h) return fail(errc::corrupt);
  std::uint32_t hdr[2] = {static_cast<std::uint32_t>(msg.size()),
                          static_cast<std::uint32_t>(msg.size()) ^ detail::kRecordCheck};
  copy_in(r, h, reinterpret_cast<const std::byte*>(hdr), sizeof hdr);
  if (!msg.empty()) copy_in(r, h + detail::kRecordHeader, msg.data(), msg.size());
  publish_head(c, h + need);
  return {};
}

result<void> message_send(end_state& e, std::span<const std::byte> msg, deadline d) noexcept
    CONDUIT_REQUIRES(e.op_mu) {
  if (msg.size() > e.ring->capacity - detail::kRecordHeader) {
    return fail(errc::message_too_large);
  }
  if (auto cs = check_consumer(e, false); !cs) return cs;
  if (auto l = lock_producers(e, d); !l) return l;
  auto r = send_locked(e, msg, d);
  unlock_producers(*e.ring->ctl);
  return r;
}

}  // namespace

result<void> shm_message_sender::send(std::span<const std::byte> msg, deadline d) noexcept {
  return with_end<result<void>>(
      s_, d, [&](end_state& e) CONDUIT_REQUIRES(e.op_mu) { return message_send(e, msg, d); });
}

result<void> shm_message_sender::try_send(std::span<const std::byte> msg) noexcept {
  auto r = send(msg, deadline::past());
  if (!r && r.error() == errc::timeout) return fail(errc::would_block);
  return r;
}

result<void> shm_message_sender::close() noexcept {
  if (!s_) return fail(errc::closed);
  return close_end(*s_);
}

// ---- shm_message_receiver ----

shm_message_receiver::shm_message_receiver() noexcept = default;
shm_message_receiver::shm_message_receiver(std::unique_ptr<detail::end_state> s) noexcept
    : s_(std::move(s)) {}
shm_message_receiver::shm_message_receiver(shm_message_receiver&&) noexcept = default;
shm_message_receiver& shm_message_receiver::operator=(shm_message_receiver&& o) noexcept {
  if (this != &o) {
    if (s_) (void)close_end(*s_);
    s_ = std::move(o.s_);
  }
  return *this;
}
shm_message_receiver::~shm_message_receiver() {
  if (s_) (void)close_end(*s_);
}

result<shm_message_receiver> shm_message_receiver::attach(shm_ring ring) {
  auto e = attach_end(ring.s_, role::receiver);
  if (!e) return fail(e.error());
  {
    conduit::lock_guard g((*e)->op_mu);
    (*e)->index = ring.s_->ctl->tail.load(std::memory_order_acquire);
    (*e)->peer_index = (*e)->index;  // nothing known past the tail yet
  }
  return shm_message_receiver(std::move(*e));
}

std::size_t shm_message_receiver::max_message() const noexcept {
  return s_ ? static_cast<std::size_t>(s_->ring->capacity) - detail::kRecordHeader : 0;
}

namespace {

// The record at this consumer's tail, with head h past it: its payload length, validated.
result<std::size_t> record_at_tail(end_state& e, std::uint64_t h) noexcept
    CONDUIT_REQUIRES(e.op_mu) {
  ring_state& r = *e.ring;
  if (e.index % 8 != 0) return fail(errc::corrupt);
  std::uint32_t hdr[2];
  copy_out(r, e.index, reinterpret_cast<std::byte*>(hdr), sizeof hdr);  // read once
  const std::uint64_t len = hdr[0];
  if ((hdr[0] ^ detail::kRecordCheck) != hdr[1]) return fail(errc::corrupt);
  if (len > r.capacity - detail::kRecordHeader) return fail(errc::corrupt);
  if (detail::kRecordHeader + round_up8(len) > h - e.index) return fail(errc::corrupt);
  return static_cast<std::size_t>(len);
}

result<std::size_t> message_receive(end_state& e, std::span<std::byte> buf, deadline d) noexcept
    CONDUIT_REQUIRES(e.op_mu) {
  auto h = consumer_wait(e, d);
  if (!h) return fail(h.error());
  auto len = record_at_tail(e, *h);
  if (!len) return len;
  if (*len > buf.size()) return fail(make_error_code(ipc_errc::buffer_too_small));
  if (*len > 0) copy_out(*e.ring, e.index + detail::kRecordHeader, buf.data(), *len);
  e.index += detail::kRecordHeader + round_up8(*len);
  publish_tail(e);
  return *len;
}

}  // namespace

result<std::size_t> shm_message_receiver::receive(std::span<std::byte> buf, deadline d) noexcept {
  return with_end<result<std::size_t>>(
      s_, d, [&](end_state& e) CONDUIT_REQUIRES(e.op_mu) { return message_receive(e, buf, d); });
}

result<std::size_t> shm_message_receiver::try_receive(std::span<std::byte> buf) noexcept {
  auto r = receive(buf, deadline::past());
  if (!r && r.error() == errc::timeout) return fail(errc::would_block);
  return r;
}

result<std::size_t> shm_message_receiver::next_size() noexcept {
  return with_end<result<std::size_t>>(
      s_, deadline::past(), [&](end_state& e) CONDUIT_REQUIRES(e.op_mu) -> result<std::size_t> {
        auto h = load_head(e);
        if (!h) return fail(h.error());
        if (*h == e.index) return fail(errc::would_block);
        return record_at_tail(e, *h);
      });
}

result<void> shm_message_receiver::close() noexcept {
  if (!s_) return fail(errc::closed);
  return close_end(*s_);
}

}  // namespace conduit::ipc
