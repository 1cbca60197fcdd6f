// FIFOs: mkfifo and open_fifo. See include/conduit/os/fifo.hpp for how open_fifo waits for
// its peer (inotify IN_OPEN on the FIFO's inode, plus a non-consuming check per event).
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <conduit/os/fifo.hpp>
#include <conduit/runtime/park.hpp>
#include <string>

namespace conduit::os {
namespace {

std::string proc_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

// Opens path non-blocking, refusing symlinks, and checks on the fd that it is a FIFO.
result<unique_fd> open_checked(const std::filesystem::path& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return fail_errno(errno);
  unique_fd f(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail_errno(errno);
  if (!S_ISFIFO(st.st_mode)) return fail_errno(EINVAL);
  return f;
}

// An inotify fd watching for opens of the inode that fd refers to.
result<unique_fd> watch_opens(int fd) {
  int in = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (in < 0) return fail_errno(errno);
  unique_fd ifd(in);
  if (::inotify_add_watch(in, proc_path(fd).c_str(), IN_OPEN) < 0) return fail_errno(errno);
  return ifd;
}

void drain(int ifd) noexcept {
  alignas(inotify_event) char buf[4096];
  while (::read(ifd, buf, sizeof buf) > 0) {
  }
}

// Waits until ifd has events or the deadline. Returns false at the deadline.
bool wait_event(int ifd, deadline d) noexcept {
  for (;;) {
    if (d.passed()) return false;
    switch (runtime::wait_fd(ifd, runtime::interest::read, d)) {
      case runtime::fd_wait::ready:
        return true;
      case runtime::fd_wait::timeout:
        return false;
      case runtime::fd_wait::unparked:
      case runtime::fd_wait::spurious:
        break;  // a stray wake-up: look again
    }
  }
}

// Read end: whether a writer has the FIFO open (or has been and left data or a hang-up).
// tee(2) never consumes: with the FIFO empty it returns 0 when there is no writer and
// EAGAIN when there is one. 1: present, 0: not yet, <0: -errno.
int writer_present(int fd, int scratch_w) noexcept {
  int avail = 0;
  if (::ioctl(fd, FIONREAD, &avail) == 0 && avail > 0) return 1;
  pollfd pfd{fd, POLLIN, 0};
  // POLLHUP: a writer opened and closed since our open (blocking open(2) would have
  // returned for it; the caller then reads the end of stream).
  if (::poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP) != 0) return 1;
  for (;;) {
    ssize_t n = ::tee(fd, scratch_w, 1, SPLICE_F_NONBLOCK);
    if (n > 0) return 1;
    if (n == 0) return 0;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return 1;
    return -errno;
  }
}

result<file> open_read_end(const std::filesystem::path& path, deadline d) {
  auto r = open_checked(path, O_RDONLY);
  if (!r) return fail(r.error());
  unique_fd fd = std::move(*r);
  int sp[2];
  if (::pipe2(sp, O_CLOEXEC | O_NONBLOCK) != 0) return fail_errno(errno);
  unique_fd scratch_r(sp[0]), scratch_w(sp[1]);
  int p = writer_present(fd.get(), scratch_w.get());
  if (p < 0) return fail_errno(-p);
  if (p == 0) {
    auto w = watch_opens(fd.get());
    if (!w) return fail(w.error());
    for (;;) {
      drain(w->get());
      p = writer_present(fd.get(), scratch_w.get());  // after the drain: no open is missed
      if (p < 0) return fail_errno(-p);
      if (p == 1) break;
      if (!wait_event(w->get(), d)) return fail(errc::timeout);
    }
  }
  return file(std::move(fd));
}

result<file> open_write_end(const std::filesystem::path& path, deadline d) {
  auto r = open_checked(path, O_WRONLY);
  if (r) return file(std::move(*r));
  if (r.error() != std::errc::no_such_device_or_address) return fail(r.error());  // ENXIO
  // No reader yet. Become a writer (a read fd for a moment makes that possible), so that
  // every reader's open completes at once and raises IN_OPEN; POLLERR on the write fd says
  // whether a reader exists.
  auto t = open_checked(path, O_RDONLY);
  if (!t) return fail(t.error());
  auto w = watch_opens(t->get());
  if (!w) return fail(w.error());
  int fd = ::open(proc_path(t->get()).c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return fail_errno(errno);
  unique_fd wfd(fd);
  t->reset();
  for (;;) {
    drain(w->get());
    pollfd pfd{wfd.get(), POLLOUT, 0};
    if (::poll(&pfd, 1, 0) < 0 && errno != EINTR) return fail_errno(errno);
    if ((pfd.revents & POLLERR) == 0) break;  // a reader (the pipe may even be full)
    if (!wait_event(w->get(), d)) return fail(errc::timeout);
  }
  return file(std::move(wfd));
}

}  // namespace

result<void> mkfifo(const std::filesystem::path& path, mode_t mode) {
  if (::mkfifo(path.c_str(), mode) != 0) return fail_errno(errno);
  return {};
}

result<file> open_fifo(const std::filesystem::path& path, fifo_end end, deadline d) {
  return end == fifo_end::read ? open_read_end(path, d) : open_write_end(path, d);
}

}  // namespace conduit::os
