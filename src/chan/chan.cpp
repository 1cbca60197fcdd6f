// Channels and select: Go's hchan and selectgo, on the runtime's park/unpark.
//
// Invariants:
// - Every field of a channel but `count_` and `closed_` (atomics, for lock-free queries) is
//   read and written only under its lock. The lock is the runtime's word_lock: held for a few
//   instructions, never across a wait.
// - A sender waits in sendq only when no receiver waits and the buffer is full (or there is
//   none); a receiver waits in recvq only when the buffer is empty and no sender waits. So at
//   most one of the two queues holds claimable waiters.
// - Every blocked operation, plain or select, owns one wait_state on its stack, shared by its
//   waiters (one per case). wait_state::state moves once, by CAS, from kWaiting to kClaimed
//   (a peer operation or close() chose one of its waiters) or to kAbandoned (its deadline
//   passed). Only the winner of that CAS touches the waiter's element and wakes its owner.
// - The claimer writes winner/success under the channel lock, releases the lock, then unparks
//   the owner exactly once. The owner reads winner/success only after consuming that permit
//   (hand-off rule: nothing is touched after the owner has gone on).
// - A waiter is linked in at most one queue; `queued` says whether, under that channel's lock.
//   A claimer that pops a waiter whose state is no longer kWaiting drops it and moves on.
#include <algorithm>
#include <array>
#include <atomic>
#include <conduit/error.hpp>
#include <conduit/internal/chan_core.hpp>
#include <conduit/runtime/park.hpp>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <vector>

#include "runtime/word_lock.hpp"

namespace conduit::internal {
namespace {

constexpr std::uint32_t kWaiting = 0, kClaimed = 1, kAbandoned = 2;

struct wait_state {
  std::atomic<std::uint32_t> state{kWaiting};
  std::size_t winner = 0;  // written by the claimer
  bool success = false;    // true: the value moved; false: woken by close
  runtime::parker* p = nullptr;
};

struct waiter {
  wait_state* st = nullptr;
  std::size_t case_index = 0;
  void* elem = nullptr;
  chan_core* c = nullptr;
  waiter* next = nullptr;
  waiter* prev = nullptr;
  bool queued = false;
};

struct wait_queue {
  waiter* head = nullptr;
  waiter* tail = nullptr;

  void push_back(waiter* w) noexcept {
    w->next = nullptr;
    w->prev = tail;
    if (tail != nullptr) {
      tail->next = w;
    } else {
      head = w;
    }
    tail = w;
    w->queued = true;
  }
  void remove(waiter* w) noexcept {
    if (!w->queued) return;
    if (w->prev != nullptr) {
      w->prev->next = w->next;
    } else {
      head = w->next;
    }
    if (w->next != nullptr) {
      w->next->prev = w->prev;
    } else {
      tail = w->prev;
    }
    w->next = w->prev = nullptr;
    w->queued = false;
  }
  // Pops the first waiter whose operation can still be claimed, and claims it.
  waiter* pop_claimable() noexcept {
    while (head != nullptr) {
      waiter* w = head;
      remove(w);
      std::uint32_t expected = kWaiting;
      if (w->st->state.compare_exchange_strong(expected, kClaimed, std::memory_order_acq_rel)) {
        return w;
      }
    }
    return nullptr;
  }
};

// A fast per-thread generator for select's random poll order (wyrand).
std::uint64_t fast_rand() noexcept {
  thread_local std::uint64_t s =
      reinterpret_cast<std::uintptr_t>(&s) ^
      static_cast<std::uint64_t>(clock::now().time_since_epoch().count());
  s += 0xa0761d6478bd642full;
  __uint128_t m = static_cast<__uint128_t>(s) * (s ^ 0xe7037ed1a0b428dbull);
  return static_cast<std::uint64_t>(m >> 64) ^ static_cast<std::uint64_t>(m);
}

}  // namespace

class chan_core {
 public:
  chan_core(std::size_t capacity, const elem_ops* ops) : ops_(ops), cap_(capacity) {
    if (cap_ > 0) {
      // Go's makechan panics "size out of range"; here the allocation fails as new[] would.
      if (ops_->size != 0 && cap_ > (SIZE_MAX / 2) / ops_->size) throw std::bad_array_new_length();
      buf_ = static_cast<unsigned char*>(::operator new(
          cap_ * ops_->size, std::align_val_t(std::max(ops_->align, sizeof(void*)))));
    }
  }
  ~chan_core() {
    for (std::size_t i = 0, n = count_.load(std::memory_order_relaxed); i < n; ++i) {
      ops_->destroy(slot((recvx_ + i) % cap_));
    }
    if (buf_ != nullptr) {
      ::operator delete(buf_, std::align_val_t(std::max(ops_->align, sizeof(void*))));
    }
  }
  chan_core(const chan_core&) = delete;
  chan_core& operator=(const chan_core&) = delete;

  void lock() noexcept { lock_.lock(); }
  void unlock() noexcept { lock_.unlock(); }

  // Under the lock. On ok, *wake is the parker to unpark after unlocking (or null).
  op_status try_send_locked(void* elem, runtime::parker** wake) noexcept {
    if (closed_.load(std::memory_order_relaxed)) return op_status::closed;
    if (waiter* r = recvq_.pop_claimable()) {
      ops_->move_construct(r->elem, elem);
      finish(r, true, wake);
      return op_status::ok;
    }
    std::size_t n = count_.load(std::memory_order_relaxed);
    if (n < cap_) {
      ops_->move_construct(slot(sendx_), elem);
      sendx_ = sendx_ + 1 == cap_ ? 0 : sendx_ + 1;
      count_.store(n + 1, std::memory_order_relaxed);
      return op_status::ok;
    }
    return op_status::not_ready;
  }

  op_status try_recv_locked(void* out, runtime::parker** wake) noexcept {
    std::size_t n = count_.load(std::memory_order_relaxed);
    if (n > 0) {
      void* head = slot(recvx_);
      ops_->move_construct(out, head);
      ops_->destroy(head);
      recvx_ = recvx_ + 1 == cap_ ? 0 : recvx_ + 1;
      if (waiter* s = sendq_.pop_claimable()) {
        // The buffer was full: the first waiting sender's value takes the freed slot.
        ops_->move_construct(slot(sendx_), s->elem);
        sendx_ = sendx_ + 1 == cap_ ? 0 : sendx_ + 1;
        finish(s, true, wake);
      } else {
        count_.store(n - 1, std::memory_order_relaxed);
      }
      return op_status::ok;
    }
    if (waiter* s = sendq_.pop_claimable()) {
      ops_->move_construct(out, s->elem);
      finish(s, true, wake);
      return op_status::ok;
    }
    if (closed_.load(std::memory_order_relaxed)) return op_status::closed;
    return op_status::not_ready;
  }

  void enqueue_locked(waiter* w, bool is_send) noexcept {
    (is_send ? sendq_ : recvq_).push_back(w);
  }
  void dequeue_locked(waiter* w, bool is_send) noexcept { (is_send ? sendq_ : recvq_).remove(w); }

  void close() noexcept {
    std::vector<runtime::parker*> wake;
    lock();
    if (closed_.load(std::memory_order_relaxed)) {
      unlock();
      fatal("close of closed channel");
    }
    closed_.store(true, std::memory_order_release);
    for (wait_queue* q : {&recvq_, &sendq_}) {
      while (waiter* w = q->pop_claimable()) {
        runtime::parker* p = nullptr;
        finish(w, false, &p);
        wake.push_back(p);
      }
    }
    unlock();
    for (runtime::parker* p : wake) p->unpark();
  }

  std::size_t size() const noexcept { return count_.load(std::memory_order_relaxed); }
  std::size_t capacity() const noexcept { return cap_; }
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

 private:
  void* slot(std::size_t i) const noexcept { return buf_ + i * ops_->size; }
  static void finish(waiter* w, bool success, runtime::parker** wake) noexcept {
    w->st->winner = w->case_index;
    w->st->success = success;
    *wake = w->st->p;
  }

  runtime::detail::word_lock lock_;
  const elem_ops* ops_;
  const std::size_t cap_;
  unsigned char* buf_ = nullptr;
  std::size_t recvx_ = 0, sendx_ = 0;
  std::atomic<std::size_t> count_{0};
  std::atomic<bool> closed_{false};
  wait_queue recvq_, sendq_;
};

namespace {

// A vector that keeps up to N elements inline: select's per-call arrays, so that a select of
// a few cases allocates nothing.
template <class T, std::size_t N>
class small_vec {
 public:
  explicit small_vec(std::size_t n) : n_(n) {
    if (n > N) heap_.resize(n);
  }
  T* data() noexcept { return heap_.empty() ? inline_.data() : heap_.data(); }
  T& operator[](std::size_t i) noexcept { return data()[i]; }
  std::size_t size() const noexcept { return n_; }
  void shrink(std::size_t n) noexcept { n_ = n; }  // only before any use past n
  T* begin() noexcept { return data(); }
  T* end() noexcept { return data() + n_; }

 private:
  std::size_t n_;
  std::array<T, N> inline_{};
  std::vector<T> heap_;
};

// Locks a set of channels in address order (each once), as Go's sellock.
class lock_set {
 public:
  explicit lock_set(std::span<chan_core* const> cs) : order_(cs.size()) {
    std::copy(cs.begin(), cs.end(), order_.begin());
    std::sort(order_.begin(), order_.end());
    order_.shrink(
        static_cast<std::size_t>(std::unique(order_.begin(), order_.end()) - order_.begin()));
  }
  void lock() noexcept {
    for (chan_core* c : order_) c->lock();
  }
  void unlock() noexcept {
    for (std::size_t i = order_.size(); i > 0; --i) order_[i - 1]->unlock();
  }

 private:
  small_vec<chan_core*, 8> order_;
};

// Waits until the operation owning st is claimed or its deadline passes. Returns false on
// timeout, after removing every waiter (the state is kAbandoned); true once claimed and the
// claimer's permit is consumed. `relock` locks every channel the waiters are queued on.
template <class Lock, class Unlock, class RemoveAll>
bool wait_claimed(wait_state& st, deadline d, Lock relock, Unlock unlock, RemoveAll remove_all) {
  for (;;) {
    bool got = st.p->park(d);
    if (got) {
      if (st.state.load(std::memory_order_acquire) == kClaimed) return true;
      continue;  // not expected (every unpark to us comes from our claimer); wait on
    }
    if (st.state.load(std::memory_order_acquire) == kClaimed) {
      // Claimed, but the permit has not landed yet: take it before reading winner/success.
      while (!st.p->park(deadline::never())) {
      }
      return true;
    }
    if (!d.passed()) continue;  // spurious
    relock();
    std::uint32_t expected = kWaiting;
    if (st.state.compare_exchange_strong(expected, kAbandoned, std::memory_order_acq_rel)) {
      remove_all();
      unlock();
      return false;
    }
    unlock();
    while (!st.p->park(deadline::never())) {
    }
    return true;
  }
}

}  // namespace

std::shared_ptr<chan_core> make_chan_core(std::size_t capacity, const elem_ops* ops) {
  return std::make_shared<chan_core>(capacity, ops);
}

namespace {

// One send (is_send) or receive: try under the lock; if nothing can be done and the caller
// may wait, queue a waiter and wait for a peer (or close) to claim it, or for the deadline.
op_status chan_op(chan_core* c, void* elem, bool is_send, bool block, deadline d) noexcept {
  runtime::parker* wake = nullptr;
  c->lock();
  op_status s = is_send ? c->try_send_locked(elem, &wake) : c->try_recv_locked(elem, &wake);
  if (s != op_status::not_ready) {
    c->unlock();
    if (wake != nullptr) wake->unpark();
    return s;
  }
  if (!block || d.passed()) {
    c->unlock();
    return block ? op_status::timeout : op_status::not_ready;
  }
  wait_state st;
  st.p = &runtime::current();
  waiter w;
  w.st = &st;
  w.elem = elem;
  w.c = c;
  c->enqueue_locked(&w, is_send);
  c->unlock();
  bool claimed = wait_claimed(
      st, d, [&] { c->lock(); }, [&] { c->unlock(); }, [&] { c->dequeue_locked(&w, is_send); });
  if (!claimed) return op_status::timeout;
  return st.success ? op_status::ok : op_status::closed;
}

}  // namespace

op_status chan_send(chan_core* c, void* elem, bool block, deadline d) noexcept {
  return chan_op(c, elem, true, block, d);
}

op_status chan_recv(chan_core* c, void* out, bool block, deadline d) noexcept {
  return chan_op(c, out, false, block, d);
}

void chan_close(chan_core* c) noexcept { c->close(); }
std::size_t chan_size(const chan_core* c) noexcept { return c->size(); }
std::size_t chan_capacity(const chan_core* c) noexcept { return c->capacity(); }
bool chan_closed(const chan_core* c) noexcept { return c->closed(); }

select_outcome select_impl(std::span<select_case> cases, bool has_default, deadline d) noexcept {
  const std::size_t n = cases.size();
  // Poll order: a uniformly random permutation of the enabled cases (Fisher-Yates).
  small_vec<std::size_t, 8> order(n);
  small_vec<chan_core*, 8> chans(n);
  std::size_t enabled = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (cases[i].c == nullptr) continue;
    order[enabled] = i;
    chans[enabled] = cases[i].c;
    ++enabled;
  }
  order.shrink(enabled);
  chans.shrink(enabled);
  for (std::size_t i = order.size(); i > 1; --i) {
    std::size_t j = static_cast<std::size_t>(fast_rand() % i);
    std::swap(order[i - 1], order[j]);
  }

  if (order.size() == 0) {
    // Only disabled cases (Go's select with nil channels): the default, or wait out d.
    if (has_default) return {n, op_status::not_ready};
    while (!d.passed()) runtime::park(d);
    return {n, op_status::timeout};
  }

  lock_set locks(std::span<chan_core* const>(chans.data(), chans.size()));
  locks.lock();
  for (std::size_t k : order) {
    select_case& sc = cases[k];
    runtime::parker* wake = nullptr;
    op_status s =
        sc.is_send ? sc.c->try_send_locked(sc.elem, &wake) : sc.c->try_recv_locked(sc.elem, &wake);
    if (s != op_status::not_ready) {
      locks.unlock();
      if (wake != nullptr) wake->unpark();
      return {k, s};
    }
  }
  if (has_default) {
    locks.unlock();
    return {n, op_status::not_ready};
  }
  if (d.passed()) {
    locks.unlock();
    return {n, op_status::timeout};
  }

  wait_state st;
  st.p = &runtime::current();
  small_vec<waiter, 8> ws(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    std::size_t k = order[i];
    ws[i].st = &st;
    ws[i].case_index = k;
    ws[i].elem = cases[k].elem;
    ws[i].c = cases[k].c;
    cases[k].c->enqueue_locked(&ws[i], cases[k].is_send);
  }
  locks.unlock();

  auto remove_all = [&] {
    for (waiter& w : ws) w.c->dequeue_locked(&w, cases[w.case_index].is_send);
  };
  bool claimed = wait_claimed(
      st, d, [&] { locks.lock(); }, [&] { locks.unlock(); }, remove_all);
  if (!claimed) return {n, op_status::timeout};
  // Unlink the waiters the claim left in other queues.
  locks.lock();
  remove_all();
  locks.unlock();
  return {st.winner, st.success ? op_status::ok : op_status::closed};
}

}  // namespace conduit::internal
