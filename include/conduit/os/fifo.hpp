// Named pipes (FIFOs): os::mkfifo (Go's syscall.Mkfifo) and os::open_fifo (os.OpenFile on
// a FIFO, with a deadline on the wait for the peer).
//
//   if (auto r = conduit::os::mkfifo("/tmp/chat"); !r) return r.error();   // never replaces
//   auto f = conduit::os::open_fifo("/tmp/chat", conduit::os::fifo_end::write,
//                                   conduit::deadline::after(std::chrono::seconds(5)));
//   if (!f) return f.error();                  // errc::timeout: no reader came in 5 s
//   (void)f->write_atomic(conduit::io::as_bytes("record\n"));  // whole, never interleaved
//
// open_fifo blocks, as open(2) of a FIFO does, until the other end is open too, but bounded
// by a deadline and without a thread or a busy loop. How (the kernel offers no "wait for a
// peer" that can be bounded):
//
// - It opens the FIFO O_NONBLOCK|O_NOFOLLOW and checks, on the open fd, that it is a FIFO
//   (a symlink fails with ELOOP; another file type with std::errc::invalid_argument).
// - It watches the FIFO's inode with inotify for IN_OPEN (the watch is taken through
//   /proc/self/fd/N, so it is on the very inode that was opened, not on whatever the path
//   names later), and re-checks for a peer each time someone opens the FIFO, sleeping in
//   the runtime's wait_fd on the inotify fd in between.
// - Read end: a read-only non-blocking open succeeds at once. A writer is present when
//   tee(2) from the FIFO (which never consumes) says EAGAIN rather than 0, or data is
//   already there. Every writer's open, blocking or not, completes at once while a reader
//   exists, and so raises IN_OPEN.
// - Write end: while no reader exists, a write-only non-blocking open fails with ENXIO. It
//   then opens the FIFO for reading for a moment, so that the write-only open succeeds,
//   and closes that read fd again. Holding a write fd makes every reader's open, blocking
//   or not, complete at once (raising IN_OPEN), and poll(2) on the write fd reports POLLERR
//   exactly while there is no reader: that is the check.
//
// Side effects a peer can see: while open_fifo(write) waits, it holds the FIFO open for
// writing (and, for a few microseconds, for reading), so a reader that opens then succeeds
// at once; if the deadline passes, that reader sees the end of stream, as if a writer had
// opened and closed without writing. A writer that opens and closes while open_fifo(read)
// is not looking may be missed (the wait goes on for the next one).
//
// PIPE_BUF: file::write_atomic writes a record of at most os::pipe_buf bytes with one
// write(2); many writer processes on one FIFO then never interleave their records.
//
// Thread safety: every function may be called from any thread.
#ifndef CONDUIT_OS_FIFO_HPP
#define CONDUIT_OS_FIFO_HPP

#include <sys/types.h>

#include <conduit/os/file.hpp>
#include <conduit/result.hpp>
#include <conduit/time.hpp>
#include <cstdint>
#include <filesystem>

namespace conduit::os {

// Which end of a FIFO to open.
enum class fifo_end : std::uint8_t { read, write };

// Creates a FIFO at path with mode (minus the umask). An existing path of any kind is an
// error and is never replaced.
// Blocks: never (a filesystem call).
// Errors: EEXIST (path exists), ENOENT (a directory of path is missing), EACCES, and the
//         other errnos of mkfifo(2).
[[nodiscard]] result<void> mkfifo(const std::filesystem::path& path, mode_t mode = 0600);

// Opens one end of the FIFO at path, waiting until the other end is open too (see the file
// overview for how). The file is close-on-exec and non-blocking underneath; reads and writes
// block for the caller, with deadlines.
// Blocks:   until a peer has the other end open, or the deadline.
// Errors:   errc::timeout, ELOOP (path is a symlink), std::errc::invalid_argument (path is not
//           a FIFO), ENOENT, EACCES, and other errnos of open(2) and inotify(7).
// Deadline: nothing is left open.
[[nodiscard]] result<file> open_fifo(const std::filesystem::path& path, fifo_end end,
                                     deadline d = deadline::never());

}  // namespace conduit::os

#endif  // CONDUIT_OS_FIFO_HPP
