// conduit's error model: std::error_code everywhere, OS failures with their exact errno in
// std::system_category(), and conduit's own conditions in conduit::errc (conduit's
// category). Go's sentinels map to errc values:
//
//   io.EOF              errc::eof
//   io.ErrUnexpectedEOF errc::unexpected_eof
//   io.ErrClosedPipe    errc::closed_pipe
//   net.ErrClosed       errc::closed        (also os.ErrClosed)
//   os.ErrDeadlineExceeded errc::timeout    (equal to std::errc::timed_out as a condition)
//
//   auto [n, err] = conn.write(bytes);
//   if (err == conduit::errc::timeout) { ... n bytes went out ... }
//
// Thread safety: everything here is immutable or a value type.
#ifndef CONDUIT_ERROR_HPP
#define CONDUIT_ERROR_HPP

#include <cstddef>
#include <system_error>

namespace conduit {

// conduit's own error conditions. Zero is never an error.
enum class errc {
  eof = 1,             // end of stream: the writer closed (Go's io.EOF)
  unexpected_eof,      // the stream ended inside a unit that had to arrive whole
  closed_pipe,         // io::pipe: the other end was closed (io.ErrClosedPipe)
  closed,              // the object was closed, possibly by another thread (net.ErrClosed)
  timeout,             // the deadline passed (os.ErrDeadlineExceeded)
  channel_closed,      // a channel was closed (and, for receives, drained)
  message_too_large,   // a message does not fit the mechanism's limit; nothing was sent
  owner_dead,          // the holder of a process-shared lock died while holding it
  corrupt,             // a peer broke a shared-memory protocol; nothing was trusted
  would_block,         // a try_ operation found nothing ready (never from blocking calls)
  uncatchable_signal,  // SIGKILL, SIGSTOP or a synchronous fault signal cannot be notified
};

// The category of conduit::errc. Its name is "conduit".
// Thread safety: safe from any thread.
[[nodiscard]] const std::error_category& conduit_category() noexcept;

// Makes an error_code for e in conduit_category().
[[nodiscard]] std::error_code make_error_code(errc e) noexcept;

// Makes an error_code for an errno value in std::system_category().
[[nodiscard]] inline std::error_code errno_code(int e) noexcept {
  return std::error_code(e, std::system_category());
}

// Aborts the process with a one-line message "conduit: <what>" on stderr. Used for misuse
// that Go reports with a panic (closing a closed channel, unlocking an unlocked mutex).
// Context: any thread; async-signal-safe.
[[noreturn]] void fatal(const char* what) noexcept;

}  // namespace conduit

template <>
struct std::is_error_code_enum<conduit::errc> : std::true_type {};

#endif  // CONDUIT_ERROR_HPP
