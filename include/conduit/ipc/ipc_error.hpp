// The errors of conduit's IPC objects that neither errno nor conduit::errc can word clearly,
// and the rule for IPC names, which every named object of ipc/ (message_queue,
// shared_memory, shm_ring, named_semaphore) checks before it asks the kernel.
//
// A name is '/' followed by 1 to 255 characters (a single path component of the mqueue or
// /dev/shm file system), none of them '/' or NUL, and neither "." nor "..": "/jobs",
// "/conduit_test_123_4". A bad name is refused with an ipc_errc that says which rule it broke;
// a POSIX message queue whose attributes exceed the limits of /proc/sys/fs/mqueue is refused
// with an ipc_errc whose message quotes the limit and the file that sets it:
//
//   auto q = conduit::ipc::message_queue::create("/jobs", {.max_messages = 100});
//   if (!q) std::puts(q.error().message().c_str());
//   // "max_messages is above the system limit /proc/sys/fs/mqueue/msg_max (10): ..."
//   if (q.error() == std::errc::invalid_argument) { ... }   // the portable condition
//
// Go has no POSIX IPC in its standard library; these play the role of os.ErrInvalid with a
// precise text.
//
// Thread safety: everything here is immutable or a value type; safe from any thread.
#ifndef CONDUIT_IPC_IPC_ERROR_HPP
#define CONDUIT_IPC_IPC_ERROR_HPP

#include <conduit/result.hpp>
#include <cstddef>
#include <string_view>
#include <system_error>

namespace conduit::ipc {

// Zero is never an error. Each value's default_error_condition is given in its comment.
enum class ipc_errc {
  name_empty = 1,           // the name is "" or "/"                  (invalid_argument)
  name_not_absolute,        // the name does not begin with '/'      (invalid_argument)
  name_has_slash,           // a '/' after the first character       (invalid_argument)
  name_invalid,             // NUL inside, or "/." or "/.."          (invalid_argument)
  name_too_long,            // more than the mechanism allows        (filename_too_long)
  mq_msg_max_exceeded,      // max_messages > /proc/sys/fs/mqueue/msg_max     (invalid_argument)
  mq_msgsize_max_exceeded,  // message_size > /proc/sys/fs/mqueue/msgsize_max (invalid_argument)
  mq_queues_max_exceeded,   // the system holds /proc/sys/fs/mqueue/queues_max queues
                            //                                        (no_space_on_device)
  mq_bytes_limit_exceeded,  // the user's queues would exceed RLIMIT_MSGQUEUE (ulimit -q)
                            //                                        (too_many_files_open)
  buffer_too_small,         // a receive buffer is smaller than the largest message; nothing
                            // was taken                             (message_size)
  size_mismatch,            // a typed receive got a message of another size (bad_message)
};

// The category of ipc_errc. Its name is "conduit.ipc". Messages of the mq_* limits read the
// current value of the limit from /proc when they are formatted.
[[nodiscard]] const std::error_category& ipc_category() noexcept;

// Makes an error_code for e in ipc_category().
[[nodiscard]] std::error_code make_error_code(ipc_errc e) noexcept;

// The longest name (characters after the leading '/') that every ipc/ mechanism accepts:
// NAME_MAX (255) less the "sem." that glibc puts before a semaphore's name.
inline constexpr std::size_t max_name_length = 251;

// Checks name against the rule above, allowing at most max_length characters after the '/'.
// Blocks: never. Errors: ipc_errc::name_empty, name_not_absolute, name_has_slash,
// name_invalid, name_too_long.
[[nodiscard]] result<void> validate_name(std::string_view name,
                                         std::size_t max_length = max_name_length) noexcept;

}  // namespace conduit::ipc

template <>
struct std::is_error_code_enum<conduit::ipc::ipc_errc> : std::true_type {};

#endif  // CONDUIT_IPC_IPC_ERROR_HPP
