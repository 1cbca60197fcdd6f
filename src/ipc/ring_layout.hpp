// The layout of an ipc::shm_ring in shared memory, private to src/ipc (and to the tests and
// the fuzz target, which write into it on purpose).
//
//   [0, 4096)              ring_control: the control block
//   [4096, 4096 + cap)     data: a byte ring of `cap` bytes, cap a power of two
//
// Invariants (of a well-behaved ring; a hostile peer may break any of them, and every reader
// of the control block checks what it relies on):
// - magic is 0 until the creator has written version, kind and capacity, then kRingMagic
//   (release). Geometry never changes afterwards; each side keeps its own validated copy.
// - head and tail count bytes since creation (never wrap in practice: 2^64). Only the
//   producer side (the stream writer, or the holder of `lock` in a message ring) stores head;
//   only the consumer stores tail. tail <= head <= tail + cap. Bytes [tail, head) are
//   published; a byte at position p lives at data[p & (cap - 1)].
// - A message ring's records start at multiples of 8: an 8-byte header {u32 len, u32 len ^
//   kRecordCheck}, then len bytes, then padding to a multiple of 8. A header never straddles
//   the end of the data (cap and positions are multiples of 8); a payload may wrap.
// - data_seq / space_seq are futex words: a waiting consumer sets data_waiters to 1 and sleeps
//   on data_seq; a producer that publishes, seeing data_waiters, increments data_seq and wakes
//   it. space_* likewise for a producer waiting for room. Closing an end also increments and
//   wakes them. Seq-cst stores and loads on (head, data_waiters) and (tail, space_waiters)
//   make the Dekker pair: a waiter never sleeps through a publication.
// - lock (message rings): 0 free, else the holder's producer slot plus one (1..kMaxProducers),
//   with kLockWaiters set when a waiter may sleep on it (the releaser then wakes one). A
//   holder whose slot no longer holds a live pid is replaced by the next locker; the record
//   it was writing was never published.
// - consumer / producers[i] (role slots): kSlotFree (never attached), a pid (attached),
//   kSlotClosed (closed cleanly), kSlotDead (a peer found that process ended). A stream
//   writer uses producers[0] only.
#ifndef CONDUIT_SRC_IPC_RING_LAYOUT_HPP
#define CONDUIT_SRC_IPC_RING_LAYOUT_HPP

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace conduit::ipc::detail {

inline constexpr std::uint32_t kRingMagic = 0x474e5243;  // "CRNG"
inline constexpr std::uint32_t kRingVersion = 1;
inline constexpr std::size_t kControlSize = 4096;
inline constexpr int kMaxProducers = 32;
inline constexpr std::int32_t kSlotFree = 0;
inline constexpr std::int32_t kSlotClosed = -1;
inline constexpr std::int32_t kSlotDead = -2;
inline constexpr std::int32_t kPidMax = 1 << 22;  // PID_MAX_LIMIT on 64-bit Linux
inline constexpr std::uint32_t kLockWaiters = 1u << 31;
inline constexpr std::uint32_t kRecordCheck = 0x5a17c0de;
inline constexpr std::size_t kRecordHeader = 8;

struct ring_control {
  // Line 0: written by the creator before magic is published; read once by each opener.
  alignas(64) std::atomic<std::uint32_t> magic;
  std::atomic<std::uint32_t> version;
  std::atomic<std::uint32_t> kind;
  std::atomic<std::uint64_t> capacity;
  // Line 1: the producer side's.
  alignas(64) std::atomic<std::uint64_t> head;
  std::atomic<std::uint32_t> data_seq;
  std::atomic<std::uint32_t> data_waiters;
  // Line 2: the consumer side's.
  alignas(64) std::atomic<std::uint64_t> tail;
  std::atomic<std::uint32_t> space_seq;
  std::atomic<std::uint32_t> space_waiters;
  // Line 3: the producers' lock (message rings).
  alignas(64) std::atomic<std::uint32_t> lock;
  // Line 4 on: role slots.
  alignas(64) std::atomic<std::int32_t> consumer;
  std::atomic<std::int32_t> producers[kMaxProducers];
};

static_assert(sizeof(ring_control) <= kControlSize);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free &&
                  std::atomic<std::uint32_t>::is_always_lock_free &&
                  std::atomic<std::int32_t>::is_always_lock_free,
              "shared-memory atomics must be lock-free (address-free)");

// Byte offsets, for tests and the fuzz target.
inline constexpr std::size_t kOffHead = 64, kOffTail = 128, kOffLock = 192, kOffConsumer = 256;

}  // namespace conduit::ipc::detail

#endif  // CONDUIT_SRC_IPC_RING_LAYOUT_HPP
