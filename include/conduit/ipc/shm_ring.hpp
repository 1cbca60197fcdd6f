// ipc::shm_ring: a ring buffer in shared memory between processes, the fastest way conduit
// moves bytes from one process to another. Two flavours share one layout:
//
// - a byte stream (shm_stream_writer -> shm_stream_reader): one writer, one reader, as a
//   pipe: write() blocks until every byte is in the ring, read() returns what has arrived,
//   and the reader gets errc::eof once the writer has closed and the ring is drained;
// - a message ring (shm_message_sender x N -> shm_message_receiver): variable-size records
//   from several producer processes (each a sender; threads of one process share one), each
//   delivered whole to the one consumer, as a pipe of atomic writes (or a POSIX message queue
//   without priorities, in user space).
//
// Go has nothing like it in its standard library (the closest are os.Pipe and an mmap'ed
// file with sync/atomic); Linux: shm_open + mmap + futex, as in io_uring's rings and
// LMAX's disruptor.
//
//   namespace ipc = conduit::ipc;
//   // process A: create the ring (mode 0600) and write into it
//   auto ring = ipc::shm_ring::create("/frames", ipc::ring_kind::stream, 1 << 20);
//   auto w = ipc::shm_stream_writer::attach(*ring);
//   auto [n, err] = w->write(bytes, conduit::deadline::after(std::chrono::seconds(1)));
//   w->close();                                 // the reader will get errc::eof
//   // process B
//   auto r = ipc::shm_stream_reader::attach(*ipc::shm_ring::open("/frames"));
//   auto got = r->read(buf);                    // n > 0, or errc::eof
//   (void)ipc::shm_ring::unlink("/frames");     // whoever is last
//
// Waiting: a side that cannot proceed spins for runtime::spin_budget() (the peer is usually
// running and about to answer: a hand-off then costs a cache-line transfer, ~0.15 us), then
// sleeps on a futex word in the shared mapping (a process-shared futex, through
// runtime::wait_shared_word). An idle ring costs nothing but a wake-up every 50 ms of each
// sleeping side, which checks that its peer still lives.
//
// Peers that die: every side records its pid in the ring's control block. A side waiting on
// a peer checks, at least every 50 ms, whether the peer's process has ended (through a
// pidfd). A reader whose writer died without closing gets the bytes or records that were
// completely published, then errc::owner_dead; a writer whose reader died gets
// errc::owner_dead; a sender whose fellow sender died inside a record takes the producers'
// lock over (the half-written record was never published). Nobody hangs. Peers must share
// one pid namespace.
//
// Hostile peers: nothing read from shared memory is trusted. Each side keeps its own copy of
// the ring's geometry (validated once at open against the mapping's size) and of its own
// index; every index, length and pid read from the ring is checked, and a violation is
// errc::corrupt (sticky for that end), never an out-of-bounds access. A peer can still
// deliver wrong bytes, or make a waiter wait until its deadline by posing as a live peer.
// A peer that shrinks a named object below the ring makes accesses fault (SIGBUS): against
// untrusted peers build the ring in an anonymous object sealed with F_SEAL_SHRINK.
//
// Layout (see docs/ipc.md): one 4096-byte control block, then `capacity` bytes of data
// (a power of two, 4 KiB .. 1 GiB).
//
// Thread safety: shm_ring is a handle (copies share one mapping); its members may be called
// from any thread. Each end may be used from any thread; calls on one end are serialised
// (they queue, bounded by their deadlines), except close(), which wakes them. An end must
// not be moved-from, assigned or destroyed while a call on it is running.
#ifndef CONDUIT_IPC_SHM_RING_HPP
#define CONDUIT_IPC_SHM_RING_HPP

#include <sys/types.h>

#include <conduit/error.hpp>
#include <conduit/ipc/shared_memory.hpp>
#include <conduit/result.hpp>
#include <conduit/time.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace conduit::ipc {

// The flavour of a ring, fixed when it is created.
enum class ring_kind : std::uint32_t { stream = 1, message = 2 };

namespace detail {
struct ring_state;
struct end_state;
}  // namespace detail

// A mapped, validated ring. A handle: copies share one mapping.
// Thread safety: any thread.
class shm_ring {
 public:
  // The most producers (senders) a message ring can have attached at once.
  static constexpr int max_producers = 32;
  static constexpr std::size_t control_size = 4096;
  static constexpr std::size_t min_capacity = 4096;
  static constexpr std::size_t max_capacity = std::size_t{1} << 30;

  // No ring: attach() refuses it with errc::closed.
  shm_ring() noexcept;

  // Creates the shared memory object `name` (exclusively, mode 0600 by default) holding a
  // ring of `capacity` data bytes, rounded up to a power of two within [min_capacity,
  // max_capacity].
  // Blocks: never. Errors: std::errc::invalid_argument (capacity above max_capacity), the
  // errors of shared_memory::create.
  [[nodiscard]] static result<shm_ring> create(std::string_view name, ring_kind kind,
                                               std::size_t capacity, mode_t mode = 0600);

  // Lays a new ring out in mem (resizing it to fit), for anonymous objects: create one with
  // shared_memory::anonymous(0), build the ring, seal it if you like, and pass mem.fd() to
  // the peer, which calls open(shared_memory::from_fd(fd)).
  // Blocks: never. Errors: std::errc::invalid_argument (capacity), EACCES (read-only
  // mapping), the errors of shared_memory::resize.
  [[nodiscard]] static result<shm_ring> create(shared_memory mem, ring_kind kind,
                                               std::size_t capacity);

  // Opens the ring in the object `name`, waiting (bounded by d) for its creator to finish
  // laying it out.
  // Blocks: until the ring is laid out, or d. Errors: the errors of shared_memory::open,
  // errc::timeout (not laid out by d), errc::corrupt (not a ring, or an inconsistent
  // control block).
  [[nodiscard]] static result<shm_ring> open(std::string_view name, deadline d = deadline::never());
  // Opens the ring laid out in mem. Blocks: never.
  // Errors: errc::corrupt (not a ring, or inconsistent), errc::timeout (not laid out yet).
  [[nodiscard]] static result<shm_ring> open(shared_memory mem);

  // Removes the name (shared_memory::unlink).
  [[nodiscard]] static result<void> unlink(std::string_view name);

  [[nodiscard]] bool valid() const noexcept { return s_ != nullptr; }
  [[nodiscard]] ring_kind kind() const noexcept;
  // Data bytes of the ring (this side's validated copy).
  [[nodiscard]] std::size_t capacity() const noexcept;
  // The largest message a message ring accepts: capacity() - 8.
  [[nodiscard]] std::size_t max_message() const noexcept;
  // The object holding the ring: its fd can be passed to a peer; its bytes are the ring's
  // (for tests and tools that inspect, or attack, the ring).
  [[nodiscard]] const shared_memory& memory() const noexcept;

 private:
  friend class shm_stream_writer;
  friend class shm_stream_reader;
  friend class shm_message_sender;
  friend class shm_message_receiver;
  explicit shm_ring(std::shared_ptr<detail::ring_state> s) noexcept;
  std::shared_ptr<detail::ring_state> s_;
};

// The writing end of a stream ring.
// Thread safety: any thread; calls queue behind each other; close() wakes them.
class shm_stream_writer {
 public:
  shm_stream_writer() noexcept;
  shm_stream_writer(shm_stream_writer&&) noexcept;
  shm_stream_writer& operator=(shm_stream_writer&&) noexcept;
  // Closes (see close()).
  ~shm_stream_writer();

  // Becomes the ring's one writer (recording this process's pid in the ring).
  // Blocks: never. Errors: errc::closed (no ring), std::errc::invalid_argument (not a stream
  // ring), std::errc::device_or_resource_busy (the ring has or had a writer),
  // errc::corrupt.
  [[nodiscard]] static result<shm_stream_writer> attach(shm_ring ring);

  // Writes all of buf into the ring, waiting for room as the reader drains it.
  // Blocks:   until every byte is in the ring, the reader closes or dies, close(), or d.
  // Errors:   errc::closed_pipe (the reader closed), errc::owner_dead (the reader's process
  //           died), errc::closed (this end closed), errc::timeout, errc::corrupt; n says
  //           how many bytes went in first.
  // Deadline: n bytes are in the ring; the rest is not.
  io_result write(std::span<const std::byte> buf, deadline d = deadline::never()) noexcept;
  // Writes what fits now. Errors: as write, with errc::would_block when not all of buf fit.
  [[nodiscard]] io_result try_write(std::span<const std::byte> buf) noexcept;

  // Closes this end: the reader gets errc::eof once it has read what is in the ring. Wakes
  // calls pending on this end (errc::closed). Later calls return errc::closed.
  // Blocks: until a call in progress on this end has left (briefly).
  // Errors: errc::closed (already closed).
  result<void> close() noexcept;

 private:
  explicit shm_stream_writer(std::unique_ptr<detail::end_state> s) noexcept;
  std::unique_ptr<detail::end_state> s_;
};

// The reading end of a stream ring.
// Thread safety: any thread; calls queue behind each other; close() wakes them.
class shm_stream_reader {
 public:
  shm_stream_reader() noexcept;
  shm_stream_reader(shm_stream_reader&&) noexcept;
  shm_stream_reader& operator=(shm_stream_reader&&) noexcept;
  ~shm_stream_reader();

  // Becomes the ring's one reader. Blocks: never.
  // Errors: as shm_stream_writer::attach.
  [[nodiscard]] static result<shm_stream_reader> attach(shm_ring ring);

  // Reads up to buf.size() bytes (at least one). An empty buf returns 0 at once.
  // Blocks:   until bytes arrive, the writer closes or dies, close(), or d.
  // Errors:   errc::eof (the writer closed and everything was read), errc::owner_dead (the
  //           writer's process died and everything it had published was read),
  //           errc::closed, errc::timeout, errc::corrupt.
  // Deadline: nothing was consumed.
  [[nodiscard]] result<std::size_t> read(std::span<std::byte> buf,
                                         deadline d = deadline::never()) noexcept;
  // As read, without waiting. Errors: as read, with errc::would_block.
  [[nodiscard]] result<std::size_t> try_read(std::span<std::byte> buf) noexcept;

  // Closes this end: the writer gets errc::closed_pipe. Wakes pending calls (errc::closed).
  // Blocks: until a call in progress on this end has left. Errors: errc::closed.
  result<void> close() noexcept;

 private:
  explicit shm_stream_reader(std::unique_ptr<detail::end_state> s) noexcept;
  std::unique_ptr<detail::end_state> s_;
};

// A producing end of a message ring; every producer process attaches its own.
// Thread safety: any thread; sends of one sender queue behind each other; close() wakes
// them.
class shm_message_sender {
 public:
  shm_message_sender() noexcept;
  shm_message_sender(shm_message_sender&&) noexcept;
  shm_message_sender& operator=(shm_message_sender&&) noexcept;
  ~shm_message_sender();

  // Becomes one of the ring's producers. Blocks: never.
  // Errors: errc::closed (no ring), std::errc::invalid_argument (not a message ring),
  // EUSERS (max_producers are attached or were attached and never closed), errc::corrupt.
  [[nodiscard]] static result<shm_message_sender> attach(shm_ring ring);

  // Appends msg as one record, delivered whole or not at all. Empty messages are allowed.
  // Blocks:   until the producers' lock is ours and the ring has room, the receiver closes or
  //           dies, close(), or d.
  // Errors:   errc::message_too_large (msg.size() > max_message(); nothing sent),
  //           errc::closed_pipe (the receiver closed), errc::owner_dead (the receiver's
  //           process died), errc::closed, errc::timeout, errc::corrupt.
  // Deadline: nothing was sent.
  [[nodiscard]] result<void> send(std::span<const std::byte> msg,
                                  deadline d = deadline::never()) noexcept;
  // As send, without waiting (for room or for another producer). Errors: as send, with
  // errc::would_block.
  [[nodiscard]] result<void> try_send(std::span<const std::byte> msg) noexcept;

  [[nodiscard]] std::size_t max_message() const noexcept;

  // Closes this producer. When every producer that attached has closed, the receiver gets
  // errc::eof after the last record. Wakes pending calls (errc::closed).
  // Blocks: until a call in progress on this end has left. Errors: errc::closed.
  result<void> close() noexcept;

 private:
  explicit shm_message_sender(std::unique_ptr<detail::end_state> s) noexcept;
  std::unique_ptr<detail::end_state> s_;
};

// The consuming end of a message ring.
// Thread safety: any thread; calls queue behind each other; close() wakes them.
class shm_message_receiver {
 public:
  shm_message_receiver() noexcept;
  shm_message_receiver(shm_message_receiver&&) noexcept;
  shm_message_receiver& operator=(shm_message_receiver&&) noexcept;
  ~shm_message_receiver();

  // Becomes the ring's one consumer. Blocks: never.
  // Errors: errc::closed, std::errc::invalid_argument (not a message ring),
  // std::errc::device_or_resource_busy (it has or had a consumer), errc::corrupt.
  [[nodiscard]] static result<shm_message_receiver> attach(shm_ring ring);

  // Takes the next record into buf and returns its size.
  // Blocks:   until a record arrives, every producer has closed or died, close(), or d.
  // Errors:   ipc_errc::buffer_too_small (the record is longer than buf; it stays in the
  //           ring: see next_size()), errc::eof (every producer that attached has closed,
  //           and every record was taken), errc::owner_dead (as eof, but a producer died
  //           without closing), errc::closed, errc::timeout, errc::corrupt.
  // Deadline: nothing was taken.
  [[nodiscard]] result<std::size_t> receive(std::span<std::byte> buf,
                                            deadline d = deadline::never()) noexcept;
  // As receive, without waiting. Errors: as receive, with errc::would_block.
  [[nodiscard]] result<std::size_t> try_receive(std::span<std::byte> buf) noexcept;

  // The size of the next record if one is there now. Blocks: never.
  // Errors: errc::would_block (none), errc::closed, errc::corrupt.
  [[nodiscard]] result<std::size_t> next_size() noexcept;

  [[nodiscard]] std::size_t max_message() const noexcept;

  // Closes the consumer: senders get errc::closed_pipe. Wakes pending calls.
  // Blocks: until a call in progress on this end has left. Errors: errc::closed.
  result<void> close() noexcept;

 private:
  explicit shm_message_receiver(std::unique_ptr<detail::end_state> s) noexcept;
  std::unique_ptr<detail::end_state> s_;
};

}  // namespace conduit::ipc

#endif  // CONDUIT_IPC_SHM_RING_HPP
