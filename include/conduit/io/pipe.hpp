// io::pipe: a synchronous in-memory pipe between threads, Go's io.Pipe.
//
//   auto [r, w] = conduit::io::pipe();
//   std::thread t([&w] { (void)w.write("hello"); w.close(); });
//   std::byte buf[64];
//   auto n = r.read(buf);          // 5 ("hello"); the next read returns errc::eof
//   t.join();
//
// There is no buffer inside: each write hands its bytes straight to the readers and blocks
// until they have consumed all of them (one or several reads: a read takes what fits in its
// buffer). The data is copied once, from the writer's buffer into the reader's.
//
// - Writes are sequenced: parallel writes queue in FIFO order and each is consumed whole
//   before the next begins, so their bytes never interleave. Parallel reads are allowed; each
//   takes a distinct, contiguous piece of the current write.
// - Closing the write end (close, or close_with_error(ec)) makes reads return errc::eof (or
//   ec); closing the read end makes writes return errc::closed_pipe (or ec). A read on a
//   closed read end, or a write on a closed write end, returns errc::closed_pipe. Close is
//   idempotent: the first error given wins. A call blocked when either end closes returns at
//   once (a write returns how much the readers had already taken).
// - Destroying an end closes it (with no error): a reader is never left waiting for a writer
//   that no longer exists.
// - A zero-length write returns at once ({0, no error}, or the close error if either end is
//   closed); unlike Go's, it is never delivered as a zero-length read, since a conduit read
//   returns n > 0 or an error. An empty read buffer likewise returns 0 (or the close error).
// - read_until / write_until bound a call by a deadline (a plus over Go's io.Pipe).
//
// Every wait goes through the runtime's parking lot (a brief spin first); there are no
// locks, threads, or fds inside. Ends are move-only; share them across threads by
// reference (a call may run on each end from any number of threads at once).
//
// Thread safety: pipe_reader and pipe_writer: every member may be called from any thread,
// concurrently, except that an end must not be moved-from, assigned, or destroyed while a
// call on it is running.
#ifndef CONDUIT_IO_PIPE_HPP
#define CONDUIT_IO_PIPE_HPP

#include <chrono>
#include <conduit/error.hpp>
#include <conduit/io/io.hpp>
#include <conduit/result.hpp>
#include <conduit/time.hpp>
#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <system_error>

namespace conduit::internal {
class io_pipe;
}  // namespace conduit::internal

namespace conduit::io {

struct pipe_pair;
[[nodiscard]] pipe_pair pipe();

// The read end of an io::pipe (Go's *io.PipeReader). A default-constructed or moved-from
// end behaves as a closed one.
// Thread safety: see the file overview.
class pipe_reader {
 public:
  pipe_reader() noexcept = default;
  pipe_reader(pipe_reader&&) noexcept = default;
  // Closes this end first (as the destructor does).
  pipe_reader& operator=(pipe_reader&& o) noexcept;
  pipe_reader(const pipe_reader&) = delete;
  pipe_reader& operator=(const pipe_reader&) = delete;
  // Closes this end (close()).
  ~pipe_reader();

  // Reads up to buf.size() bytes of the current write.
  // Blocks:   until a writer offers bytes, or either end is closed.
  // Errors:   errc::eof (or the writer's close_with_error code) once the write end is
  //           closed; errc::closed_pipe once this end is closed.
  [[nodiscard]] result<std::size_t> read(std::span<std::byte> buf) noexcept {
    return read_until(buf, deadline::never());
  }
  // As read, bounded by a deadline.
  // Errors:   as read, and errc::timeout.
  // Deadline: nothing was consumed.
  [[nodiscard]] result<std::size_t> read_until(std::span<std::byte> buf, deadline d) noexcept;
  template <class Rep, class Period>
  [[nodiscard]] result<std::size_t> read_for(std::span<std::byte> buf,
                                             std::chrono::duration<Rep, Period> timeout) noexcept {
    return read_until(buf, deadline::after(timeout));
  }

  // Closes the read end: writes, pending and later, return errc::closed_pipe; reads on this
  // end return errc::closed_pipe. Idempotent. Blocks: never.
  void close() noexcept { close_with_error({}); }
  // Closes the read end; pending and later writes return ec (errc::closed_pipe if ec is
  // empty). Only the first close of this end sets the error. Blocks: never.
  void close_with_error(std::error_code ec) noexcept;

 private:
  friend pipe_pair pipe();
  explicit pipe_reader(std::shared_ptr<internal::io_pipe> p) noexcept : p_(std::move(p)) {}
  std::shared_ptr<internal::io_pipe> p_;
};

// The write end of an io::pipe (Go's *io.PipeWriter). A default-constructed or moved-from
// end behaves as a closed one.
// Thread safety: see the file overview.
class pipe_writer {
 public:
  pipe_writer() noexcept = default;
  pipe_writer(pipe_writer&&) noexcept = default;
  // Closes this end first (as the destructor does).
  pipe_writer& operator=(pipe_writer&& o) noexcept;
  pipe_writer(const pipe_writer&) = delete;
  pipe_writer& operator=(const pipe_writer&) = delete;
  // Closes this end (close()).
  ~pipe_writer();

  // Hands buf to the readers and waits until they have consumed all of it. Parallel writes
  // are queued FIFO and never interleave.
  // Blocks:   until readers took every byte, or either end is closed.
  // Errors:   errc::closed_pipe (or the reader's close_with_error code) once the read end is
  //           closed; errc::closed_pipe once this end is closed. n is what readers took.
  io_result write(std::span<const std::byte> buf) noexcept {
    return write_until(buf, deadline::never());
  }
  io_result write(std::string_view s) noexcept { return write(as_bytes(s)); }
  // As write, bounded by a deadline (which also bounds the wait behind earlier writes).
  // Errors:   as write, and errc::timeout.
  // Deadline: n bytes were consumed by readers; the rest was withdrawn and no reader will
  //           see it.
  io_result write_until(std::span<const std::byte> buf, deadline d) noexcept;
  template <class Rep, class Period>
  io_result write_for(std::span<const std::byte> buf,
                      std::chrono::duration<Rep, Period> timeout) noexcept {
    return write_until(buf, deadline::after(timeout));
  }

  // Closes the write end: reads, pending and later, return errc::eof; writes on this end,
  // pending and later, return errc::closed_pipe. Idempotent. Blocks: never.
  void close() noexcept { close_with_error({}); }
  // Closes the write end; reads return ec (errc::eof if ec is empty). Only the first close
  // of this end sets the error. Blocks: never.
  void close_with_error(std::error_code ec) noexcept;

 private:
  friend pipe_pair pipe();
  explicit pipe_writer(std::shared_ptr<internal::io_pipe> p) noexcept : p_(std::move(p)) {}
  std::shared_ptr<internal::io_pipe> p_;
};

// The two ends of an io::pipe: `auto [r, w] = io::pipe();`.
// Thread safety: as pipe_reader and pipe_writer.
struct pipe_pair {
  pipe_reader reader;
  pipe_writer writer;
};

// Creates a synchronous in-memory pipe (Go's io.Pipe).
// Blocks: never. Errors: std::bad_alloc may propagate.
[[nodiscard]] pipe_pair pipe();

}  // namespace conduit::io

#endif  // CONDUIT_IO_PIPE_HPP
