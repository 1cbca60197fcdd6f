// The parking lot: a fixed table of buckets, each a word_lock and a FIFO list of waiters.
//
// Invariants:
// - A waiter node lives on its waiter's stack for the whole of park_on.
// - node.queued is true exactly while the node is linked in its bucket's list; it is changed
//   only under the bucket lock.
// - A waker that unlinks a node sets its token under the lock, and calls node's parker
//   unpark() after releasing the lock, exactly once. The waiter does not return before it
//   has consumed that permit (hand-off rule), so the node and parker outlive every access.
// - No other code unparks a thread that is parked in park_on, so the permit a waiter
//   consumes while its node is unlinked is the one its waker sent.
#include <atomic>
#include <conduit/runtime/park.hpp>
#include <conduit/runtime/parking_lot.hpp>
#include <cstdint>

#include "runtime/word_lock.hpp"

namespace conduit::runtime {
namespace {

struct waiter {
  const void* key;
  parker* p;
  std::uintptr_t park_token;
  std::uintptr_t unpark_token = kDefaultToken;
  waiter* next = nullptr;
  waiter* prev = nullptr;
  waiter* wake_next = nullptr;      // the waker's private list, after unlinking
  std::atomic<bool> queued{false};  // written under the bucket lock; read lock-free by owner
};

struct alignas(64) bucket {
  detail::word_lock lock;
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
    w->queued.store(true, std::memory_order_relaxed);
  }
  void remove(waiter* w) noexcept {
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
    w->queued.store(false, std::memory_order_relaxed);
  }
  bool has_key(const void* key) const noexcept {
    for (waiter* w = head; w != nullptr; w = w->next) {
      if (w->key == key) return true;
    }
    return false;
  }
};

constexpr std::size_t kBuckets = 256;
bucket g_buckets[kBuckets];

bucket& bucket_for(const void* key) noexcept {
  auto k = reinterpret_cast<std::uintptr_t>(key);
  k = (k >> 3) * 0x9E3779B97F4A7C15ull;
  return g_buckets[k >> (64 - 8)];
}

// Wakes the nodes of a private list built under the lock, after the lock is released.
void wake_list(waiter* w) noexcept {
  while (w != nullptr) {
    waiter* next = w->wake_next;  // read before unpark: the node may vanish after it
    parker* p = w->p;
    p->unpark();
    w = next;
  }
}

}  // namespace

park_result park_on(const void* key, internal::function_ref<bool()> validate,
                    internal::function_ref<void(bool)> timed_out, deadline d,
                    std::uintptr_t park_token) noexcept {
  bucket& b = bucket_for(key);
  waiter node;
  node.key = key;
  node.p = &current();
  node.park_token = park_token;

  b.lock.lock();
  if (!validate()) {
    b.lock.unlock();
    return {park_status::invalid, kDefaultToken};
  }
  b.push_back(&node);
  b.lock.unlock();

  for (;;) {
    bool got_permit = node.p->park(d);
    if (got_permit) {
      if (!node.queued.load(std::memory_order_acquire)) break;
      continue;  // cannot happen by the invariants; stay safe and wait on
    }
    if (!d.passed()) continue;  // spurious return: still queued, or the wake-up is due
    b.lock.lock();
    if (node.queued.load(std::memory_order_relaxed)) {
      b.remove(&node);
      timed_out(!b.has_key(key));
      b.lock.unlock();
      return {park_status::timeout, kDefaultToken};
    }
    b.lock.unlock();
    // A waker unlinked us just as the deadline passed: its unpark is on its way. Take it.
    while (!node.p->park(deadline::never())) {
    }
    break;
  }
  return {park_status::unparked, node.unpark_token};
}

unpark_result unpark_one(const void* key,
                         internal::function_ref<std::uintptr_t(unpark_result)> callback) noexcept {
  bucket& b = bucket_for(key);
  b.lock.lock();
  waiter* w = b.head;
  while (w != nullptr && w->key != key) w = w->next;
  unpark_result r;
  if (w != nullptr) {
    b.remove(w);
    r.unparked = 1;
    r.have_more = b.has_key(key);
  }
  std::uintptr_t token = callback(r);
  if (w != nullptr) {
    w->unpark_token = token;
    w->wake_next = nullptr;
  }
  b.lock.unlock();
  wake_list(w);
  return r;
}

std::size_t unpark_all(const void* key, std::uintptr_t token) noexcept {
  bucket& b = bucket_for(key);
  waiter* list = nullptr;
  waiter** tail = &list;
  std::size_t n = 0;
  b.lock.lock();
  for (waiter* w = b.head; w != nullptr;) {
    waiter* next = w->next;
    if (w->key == key) {
      b.remove(w);
      w->unpark_token = token;
      w->wake_next = nullptr;
      *tail = w;
      tail = &w->wake_next;
      ++n;
    }
    w = next;
  }
  b.lock.unlock();
  wake_list(list);
  return n;
}

std::size_t unpark_filter(const void* key, internal::function_ref<filter_op(std::uintptr_t)> filter,
                          internal::function_ref<std::uintptr_t(unpark_result)> callback) noexcept {
  bucket& b = bucket_for(key);
  waiter* list = nullptr;
  waiter** tail = &list;
  std::size_t n = 0;
  b.lock.lock();
  for (waiter* w = b.head; w != nullptr;) {
    waiter* next = w->next;
    if (w->key == key) {
      filter_op op = filter(w->park_token);
      if (op == filter_op::stop) break;
      if (op == filter_op::unpark) {
        b.remove(w);
        w->wake_next = nullptr;
        *tail = w;
        tail = &w->wake_next;
        ++n;
      }
    }
    w = next;
  }
  unpark_result r;
  r.unparked = n;
  r.have_more = b.has_key(key);
  std::uintptr_t token = callback(r);
  for (waiter* w = list; w != nullptr; w = w->wake_next) w->unpark_token = token;
  b.lock.unlock();
  wake_list(list);
  return n;
}

}  // namespace conduit::runtime
