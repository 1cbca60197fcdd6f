// os::file: an open file descriptor with Go's *os.File behaviour, and os::pipe (Go's
// os.Pipe).
//
//   auto p = conduit::os::pipe();                 // result<os::pipe_pair>
//   if (!p) return p.error();
//   auto [r, w] = std::move(*p);
//   (void)w.write("hello");                       // writes everything or fails
//   std::byte buf[64];
//   auto n = r.read(buf);                         // 5
//
// Every file holds its fd in the runtime's poll descriptor: the fd is non-blocking and
// close-on-exec; a read or write that cannot proceed waits through the runtime (spinning
// briefly, then sleeping in poll(2)), so `read` and `write` behave as blocking calls for the
// caller; EINTR is retried; a write loops until every byte is out; close() from another
// thread wakes pending calls (errc::closed) and closes the fd number only once no call is
// inside a syscall on it.
//
// Deadlines (set_deadline, set_read_deadline, set_write_deadline; Go's SetDeadline family)
// are absolute and apply to calls already waiting. They need a pollable fd (pipe, FIFO,
// socket, terminal, character device); regular files, directories and block devices never
// wait in poll and refuse deadlines with std::errc::not_supported (Go's ErrNoDeadline).
//
// SIGPIPE: a write to a pipe or FIFO whose readers are all gone returns EPIPE (an error
// code), never kills the process. The first os::file made over a pipe or FIFO installs, if
// SIGPIPE's disposition is still the default, a do-nothing handler (so, unlike SIG_IGN, it is
// reset to the default in exec'd children). See docs/os.md.
//
// Thread safety: every member may be called from any thread, concurrently (a read and a
// write at once; two reads queue, as do two writes), except that a file must not be
// moved-from, assigned, or destroyed while a call on it is running.
#ifndef CONDUIT_OS_FILE_HPP
#define CONDUIT_OS_FILE_HPP

#include <sys/types.h>

#include <conduit/error.hpp>
#include <conduit/fd.hpp>
#include <conduit/io/io.hpp>
#include <conduit/result.hpp>
#include <conduit/time.hpp>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>

namespace conduit::runtime {
class poll_fd;
}  // namespace conduit::runtime

namespace conduit::os {

// PIPE_BUF on Linux: a write of at most this many bytes to a pipe or FIFO is atomic (never
// interleaved with other writers' bytes).
inline constexpr std::size_t pipe_buf = 4096;

// An open file descriptor (Go's *os.File). Move-only.
// Thread safety: see the file overview (any member from any thread, concurrently).
class file {
 public:
  // What the fd refers to, from fstat(2) when the file was made.
  enum class kind : std::uint8_t {
    pipe,
    socket,
    regular,
    directory,
    char_device,
    block_device,
    other
  };

  // No file: every call returns errc::closed.
  file() noexcept;
  // Adopts fd (Go's os.NewFile) and makes it non-blocking (O_NONBLOCK is a flag of the open
  // file description, so any other process sharing it sees the change; release() undoes it).
  // An invalid fd gives a file that is closed.
  // Errors: std::bad_alloc may propagate.
  explicit file(unique_fd fd);
  file(file&&) noexcept;
  // Closes this file first (as the destructor does).
  file& operator=(file&&) noexcept;
  file(const file&) = delete;
  file& operator=(const file&) = delete;
  // Closes the fd if still open (see close()).
  ~file();

  // Opens path (Go's os.OpenFile); O_CLOEXEC is always added; mode (minus the umask) is
  // used with O_CREAT. Blocks: as open(2) (a FIFO
  // opened without O_NONBLOCK waits for its peer: use os::open_fifo instead).
  // Errors: the errno of open(2).
  [[nodiscard]] static result<file> open(const std::filesystem::path& path, int flags,
                                         mode_t mode = 0666);

  // Reads up to buf.size() bytes. An empty buf returns 0 at once.
  // Blocks:   until data arrives, end of stream, close, or the read deadline.
  // Errors:   errc::eof (end of stream: the writers of a pipe are all gone), errc::closed
  //           (this file was closed), errc::timeout (read deadline), or the errno of
  //           read(2).
  // Deadline: nothing was consumed.
  [[nodiscard]] result<std::size_t> read(std::span<std::byte> buf) noexcept;

  // Writes all of buf, looping over partial writes. Concurrent writes on one file are
  // queued, never interleaved with each other (other processes' writes to a shared pipe may
  // interleave with a write larger than pipe_buf: use write_atomic for records).
  // Blocks:   until every byte is written, close, or the write deadline.
  // Errors:   EPIPE (no reader is left: never SIGPIPE), errc::closed, errc::timeout, or the
  //           errno of write(2); n is how much went out first.
  // Deadline: n bytes were written; the rest was not.
  io_result write(std::span<const std::byte> buf) noexcept;
  io_result write(std::string_view s) noexcept { return write(io::as_bytes(s)); }

  // Writes buf with one write(2), so that on a pipe or FIFO it lands whole, never
  // interleaved with other writers (the PIPE_BUF guarantee).
  // Blocks:   until the pipe has room for all of buf, close, or the write deadline.
  // Errors:   errc::message_too_large (buf.size() > pipe_buf; nothing is written),
  //           std::errc::not_supported (not a pipe or FIFO; nothing is written), EPIPE,
  //           errc::closed, errc::timeout (nothing written), the errno of write(2).
  // Deadline: nothing was written.
  io_result write_atomic(std::span<const std::byte> buf) noexcept;

  // Copies src into this file until src's end of stream (Go's ReaderFrom, used by io::copy):
  // with splice(2) inside the kernel when both fds are pipes or sockets, else through a
  // buffer. Uses src's read deadline and this file's write deadline.
  // Blocks:   until src ends, an error, or a deadline.
  // Errors:   src's read errors (not errc::eof), this file's write errors; n is what this
  //           file took.
  io_result read_from(file& src) noexcept;

  // Sets the read and write deadlines (Go's SetDeadline); deadline::never() clears them.
  // They apply to calls already waiting, which wake and re-check.
  // Blocks: never. Errors: std::errc::not_supported (not pollable), errc::closed.
  [[nodiscard]] result<void> set_deadline(deadline d) noexcept;
  [[nodiscard]] result<void> set_read_deadline(deadline d) noexcept;
  [[nodiscard]] result<void> set_write_deadline(deadline d) noexcept;

  // Closes the file: wakes pending calls (errc::closed) and closes the fd once no call is
  // inside a syscall on it. Later calls return errc::closed.
  // Blocks: until in-flight syscalls leave (they are non-blocking, so briefly).
  // Errors: errc::closed (already closed), the errno of close(2) (rare: EIO).
  result<void> close() noexcept;

  // Gives up the fd without closing the open file: returns an fd for it in blocking mode
  // (what a child process or a blocking library expects) and leaves this file closed.
  // Today the returned number may differ from fd() (it is a close-on-exec duplicate: the
  // poll descriptor has no way yet to let go of its number).
  // Blocks: as close(). Errors: errc::closed, the errno of fcntl(2).
  [[nodiscard]] result<unique_fd> release() noexcept;

  // The fd number, or -1 once closed. Valid for syscalls only while the file stays open.
  // Blocks: never.
  [[nodiscard]] int fd() const noexcept;
  // Whether the file is open (fd() >= 0). Blocks: never.
  [[nodiscard]] bool is_open() const noexcept { return fd() >= 0; }
  explicit operator bool() const noexcept { return is_open(); }
  // What the fd refers to. Blocks: never.
  [[nodiscard]] kind type() const noexcept { return kind_; }
  // Whether deadlines apply (pipes, sockets, terminals, character devices). Blocks: never.
  [[nodiscard]] bool pollable() const noexcept;

  // Pipes and FIFOs: the capacity of the pipe's buffer, F_GETPIPE_SZ / F_SETPIPE_SZ.
  // set_buffer_size rounds up to a power-of-two number of pages and returns the size set.
  // Blocks: never. Errors: EBADF (not a pipe), EPERM (above /proc/sys/fs/pipe-max-size and
  // unprivileged), EBUSY (smaller than the data it holds), errc::closed.
  [[nodiscard]] result<std::size_t> buffer_size() const noexcept;
  [[nodiscard]] result<std::size_t> set_buffer_size(std::size_t bytes) noexcept;

 private:
  std::unique_ptr<runtime::poll_fd> pfd_;
  kind kind_ = kind::other;
};

// The two ends of an os::pipe.
// Thread safety: as os::file.
struct pipe_pair {
  file reader;
  file writer;
};

// Creates an anonymous pipe (Go's os.Pipe): pipe2(O_CLOEXEC), both ends non-blocking for
// the poll descriptor and blocking for the caller.
// Blocks: never. Errors: EMFILE, ENFILE (out of fds). std::bad_alloc may propagate.
[[nodiscard]] result<pipe_pair> pipe();

}  // namespace conduit::os

#endif  // CONDUIT_OS_FILE_HPP
