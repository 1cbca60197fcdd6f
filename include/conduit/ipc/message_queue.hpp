// ipc::message_queue: a POSIX message queue (mq_open(3), mq_overview(7)): a kernel-held,
// named queue of whole messages between processes, each with a priority; a receive takes
// the oldest message of the highest priority. Go's standard library has none (it would be
// a channel between processes); Linux: mq_open, mq_send, mq_receive, mq_unlink.
//
//   namespace ipc = conduit::ipc;
//   auto q = ipc::message_queue::create("/jobs", {.max_messages = 10, .message_size = 256});
//   if (!q) return q.error();            // the error names a /proc/sys/fs/mqueue limit if hit
//   (void)q->send(conduit::io::as_bytes("urgent"), /*priority=*/9);
//   // another process
//   auto r = ipc::message_queue::open("/jobs");
//   std::array<std::byte, 256> buf;
//   auto got = r->receive(buf, conduit::deadline::after(std::chrono::seconds(1)));
//   // got->size == 6, got->priority == 9
//   (void)ipc::message_queue::unlink("/jobs");
//
// Typed messages: send_value(v) / receive_value<T>() for trivially copyable T, whose size
// must fit the queue's message size (checked).
//
// The queue descriptor is held in the runtime's poll descriptor (it is pollable on Linux):
// it is opened O_NONBLOCK | O_CLOEXEC, a full or empty queue waits through the runtime
// (spinning briefly, then sleeping in poll), deadlines are on the monotonic clock (no
// mq_timedsend with a wall-clock time), and close() from another thread wakes a waiting
// send or receive with errc::closed.
//
// Limits (Linux defaults; see docs/ipc.md): /proc/sys/fs/mqueue/msg_max = 10 messages per
// queue, msgsize_max = 8192 bytes per message, queues_max = 256 queues; RLIMIT_MSGQUEUE
// bounds the bytes of one user's queues. Asking for more is refused with an ipc_errc that
// names the limit. Names follow ipc::validate_name; queues are created with mode 0600
// unless asked otherwise (filtered by the umask).
//
// Thread safety: every member may be called from any thread, concurrently (sends queue
// behind each other, as do receives), except that the object must not be moved-from,
// assigned or destroyed while a call on it is running.
#ifndef CONDUIT_IPC_MESSAGE_QUEUE_HPP
#define CONDUIT_IPC_MESSAGE_QUEUE_HPP

#include <sys/types.h>

#include <array>
#include <conduit/error.hpp>
#include <conduit/ipc/ipc_error.hpp>
#include <conduit/result.hpp>
#include <conduit/time.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace conduit::ipc {

// How a message_queue is opened.
enum class mq_access : std::uint8_t { read_only, write_only, read_write };

// How to create a queue. Zero max_messages / message_size mean the system defaults
// (/proc/sys/fs/mqueue/msg_default and msgsize_default).
struct mq_options {
  long max_messages = 0;
  long message_size = 0;
  mode_t mode = 0600;
  mq_access how = mq_access::read_write;
};

// A queue's attributes (mq_getattr).
struct mq_attributes {
  long max_messages = 0;      // capacity in messages
  long message_size = 0;      // the largest message, in bytes
  long current_messages = 0;  // messages queued now
};

// What a receive got: `size` bytes at the start of the buffer, sent with `priority`.
struct mq_received {
  std::size_t size = 0;
  unsigned priority = 0;
};

class message_queue {
 public:
  using access = mq_access;
  using options = mq_options;
  using attributes = mq_attributes;
  using received = mq_received;

  // The highest priority plus one (MQ_PRIO_MAX on Linux).
  static constexpr unsigned priority_limit = 32768;

  // No queue: every call returns errc::closed.
  message_queue() noexcept;
  message_queue(message_queue&&) noexcept;
  // Closes this queue first.
  message_queue& operator=(message_queue&&) noexcept;
  message_queue(const message_queue&) = delete;
  message_queue& operator=(const message_queue&) = delete;
  // Closes the descriptor (the queue itself stays until unlink()).
  ~message_queue();

  // Creates the queue `name`, which must not exist.
  // Blocks: never. Errors: an ipc_errc for a bad name (name_too_long above 255 characters),
  // ipc_errc::mq_msg_max_exceeded, mq_msgsize_max_exceeded, mq_queues_max_exceeded,
  // mq_bytes_limit_exceeded, EINVAL (a negative attribute), EEXIST, EACCES, EMFILE, ENFILE,
  // ENOMEM.
  [[nodiscard]] static result<message_queue> create(std::string_view name,
                                                    const mq_options& o = {});
  // Opens the existing queue `name`.
  // Blocks: never. Errors: an ipc_errc for a bad name, ENOENT, EACCES, EMFILE, ENFILE.
  [[nodiscard]] static result<message_queue> open(std::string_view name,
                                                  access how = access::read_write);
  // Opens `name`, creating it with `o` if it does not exist (an existing queue keeps its
  // attributes: check attributes()). created() says which happened.
  // Blocks: never. Errors: as create and open.
  [[nodiscard]] static result<message_queue> open_or_create(std::string_view name,
                                                            const mq_options& o = {});
  // Removes the name; open descriptors keep working, and the queue goes when the last closes.
  // Blocks: never. Errors: an ipc_errc for a bad name, ENOENT, EACCES.
  [[nodiscard]] static result<void> unlink(std::string_view name);

  // Sends msg with priority (0 lowest .. priority_limit - 1).
  // Blocks:   while the queue is full, until there is room, close, or the deadline.
  // Errors:   errc::message_too_large (msg is longer than message_size(); nothing sent),
  //           errc::closed, errc::timeout, EBADF (opened read_only), EINVAL (priority too
  //           high), another errno of mq_send.
  // Deadline: nothing was sent.
  [[nodiscard]] result<void> send(std::span<const std::byte> msg, unsigned priority = 0,
                                  deadline d = deadline::never()) noexcept;
  // As send, without waiting. Errors: as send, with errc::would_block for a full queue.
  [[nodiscard]] result<void> try_send(std::span<const std::byte> msg,
                                      unsigned priority = 0) noexcept;

  // Receives the oldest message of the highest priority into buf.
  // Blocks:   while the queue is empty, until a message arrives, close, or the deadline.
  // Errors:   ipc_errc::buffer_too_small (buf is smaller than message_size(); nothing was
  //           taken), errc::closed, errc::timeout, EBADF (opened write_only), another errno
  //           of mq_receive.
  // Deadline: nothing was taken.
  [[nodiscard]] result<received> receive(std::span<std::byte> buf,
                                         deadline d = deadline::never()) noexcept;
  // As receive, without waiting. Errors: as receive, with errc::would_block for an empty
  // queue.
  [[nodiscard]] result<received> try_receive(std::span<std::byte> buf) noexcept;

  // Sends the bytes of v.
  // Blocks, Errors, Deadline: as send.
  template <class T>
  [[nodiscard]] result<void> send_value(const T& v, unsigned priority = 0,
                                        deadline d = deadline::never()) noexcept {
    static_assert(std::is_trivially_copyable_v<T>, "send_value needs a trivially copyable T");
    return send(std::as_bytes(std::span<const T, 1>(&v, 1)), priority, d);
  }
  // As send_value, without waiting. Errors: as try_send.
  template <class T>
  [[nodiscard]] result<void> try_send_value(const T& v, unsigned priority = 0) noexcept {
    static_assert(std::is_trivially_copyable_v<T>, "send_value needs a trivially copyable T");
    return try_send(std::as_bytes(std::span<const T, 1>(&v, 1)), priority);
  }
  // Receives one message and returns it as a T; *priority (if given) gets its priority.
  // Blocks, Deadline: as receive.
  // Errors: as receive; ipc_errc::size_mismatch if the queue's message_size() is below
  // sizeof(T) (nothing taken), or if the message is not sizeof(T) bytes (it was taken from
  // the queue and is dropped).
  template <class T>
  [[nodiscard]] result<T> receive_value(deadline d = deadline::never(),
                                        unsigned* priority = nullptr) noexcept {
    static_assert(std::is_trivially_copyable_v<T> && std::is_default_constructible_v<T>,
                  "receive_value needs a trivially copyable, default-constructible T");
    if (is_open() && static_cast<std::size_t>(message_size()) < sizeof(T)) {
      return fail(make_error_code(ipc_errc::size_mismatch));
    }
    std::array<std::byte, 1024> small;
    std::vector<std::byte> big;
    std::span<std::byte> buf(small);
    if (static_cast<std::size_t>(message_size()) > small.size()) {
      big.resize(static_cast<std::size_t>(message_size()));
      buf = big;
    }
    auto r = receive(buf, d);
    if (!r) return fail(r.error());
    if (r->size != sizeof(T)) return fail(make_error_code(ipc_errc::size_mismatch));
    if (priority != nullptr) *priority = r->priority;
    T v;
    std::memcpy(&v, buf.data(), sizeof(T));
    return v;
  }

  // As receive_value, without waiting. Errors: as receive_value, with errc::would_block.
  template <class T>
  [[nodiscard]] result<T> try_receive_value(unsigned* priority = nullptr) noexcept {
    auto r = receive_value<T>(deadline::past(), priority);
    if (!r && r.error() == errc::timeout) return fail(errc::would_block);
    return r;
  }

  // The queue's attributes now. Blocks: never. Errors: errc::closed, the errno of mq_getattr.
  [[nodiscard]] result<attributes> get_attributes() const noexcept;
  // The largest message (fixed at creation; cached at open). 0 when there is no queue.
  [[nodiscard]] long message_size() const noexcept;
  // The name given at open ("" for an empty object).
  [[nodiscard]] const std::string& name() const noexcept;
  // Whether open_or_create (or create) made the queue.
  [[nodiscard]] bool created() const noexcept;
  // The descriptor (an fd on Linux), or -1 once closed. Valid only while the queue is open.
  [[nodiscard]] int fd() const noexcept;
  [[nodiscard]] bool is_open() const noexcept { return fd() >= 0; }

  // Closes the descriptor: wakes pending calls (errc::closed) and closes it once no call is
  // inside a syscall on it. Later calls return errc::closed.
  // Blocks: until in-flight syscalls leave (briefly). Errors: errc::closed (already closed).
  result<void> close() noexcept;

 private:
  struct state;
  explicit message_queue(std::unique_ptr<state> s) noexcept;
  [[nodiscard]] static result<message_queue> adopt(int fd, std::string name, bool created);
  std::unique_ptr<state> s_;
};

}  // namespace conduit::ipc

#endif  // CONDUIT_IPC_MESSAGE_QUEUE_HPP
