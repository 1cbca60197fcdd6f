// os::file and os::pipe over the runtime's poll descriptor. See include/conduit/os/file.hpp.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <conduit/io/copy.hpp>
#include <conduit/os/file.hpp>
#include <new>

#include "os/sigpipe.hpp"
#include "runtime/poll_fd.hpp"

static_assert(conduit::os::pipe_buf == PIPE_BUF, "os::pipe_buf must be the kernel's PIPE_BUF");

namespace conduit::os {
namespace {

using side = runtime::poll_fd::side;

file::kind kind_of(int fd) noexcept {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return file::kind::other;
  switch (st.st_mode & S_IFMT) {
    case S_IFIFO:
      return file::kind::pipe;
    case S_IFSOCK:
      return file::kind::socket;
    case S_IFREG:
      return file::kind::regular;
    case S_IFDIR:
      return file::kind::directory;
    case S_IFCHR:
      return file::kind::char_device;
    case S_IFBLK:
      return file::kind::block_device;
    default:
      return file::kind::other;
  }
}

bool spliceable(file::kind k) noexcept { return k == file::kind::pipe || k == file::kind::socket; }

// The bytes one splice round moves: the intermediate pipe is grown to this if it can be.
constexpr std::size_t kSpliceChunk = 256 * 1024;

}  // namespace

file::file() noexcept = default;

file::file(unique_fd fd) {
  if (!fd) return;
  kind_ = kind_of(fd.get());
  if (kind_ == kind::pipe) internal::ensure_sigpipe_policy();
  pfd_ = std::make_unique<runtime::poll_fd>(std::move(fd));
}

file::file(file&& o) noexcept : pfd_(std::move(o.pfd_)), kind_(o.kind_) {}

file& file::operator=(file&& o) noexcept {
  if (this != &o) {
    pfd_.reset();  // closes
    pfd_ = std::move(o.pfd_);
    kind_ = o.kind_;
  }
  return *this;
}

file::~file() = default;

result<file> file::open(const std::filesystem::path& path, int flags, mode_t mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return fail_errno(errno);
  return file(unique_fd(fd));
}

int file::fd() const noexcept { return pfd_ ? pfd_->fd() : -1; }

bool file::pollable() const noexcept {
  return kind_ != kind::regular && kind_ != kind::directory && kind_ != kind::block_device;
}

result<std::size_t> file::read(std::span<std::byte> buf) noexcept {
  if (!pfd_) return fail(errc::closed);
  return pfd_->read(buf);
}

io_result file::write(std::span<const std::byte> buf) noexcept {
  if (!pfd_) return {0, make_error_code(errc::closed)};
  return pfd_->write(buf);
}

io_result file::write_atomic(std::span<const std::byte> buf) noexcept {
  if (!pfd_) return {0, make_error_code(errc::closed)};
  if (buf.size() > pipe_buf) return {0, make_error_code(errc::message_too_large)};
  if (kind_ != kind::pipe) return {0, std::make_error_code(std::errc::not_supported)};
  if (buf.empty()) return {0, {}};
  // On a pipe, a non-blocking write of at most PIPE_BUF bytes is all or nothing: EAGAIN
  // (the poll descriptor waits for room) or the whole buffer.
  const int fd = pfd_->fd();
  auto r = pfd_->io(side::write, [&] { return ::write(fd, buf.data(), buf.size()); });
  if (!r) return {0, r.error()};
  if (*r != buf.size()) return {*r, make_error_code(errc::unexpected_eof)};  // not on Linux
  return {*r, {}};
}

io_result file::read_from(file& src) noexcept {
  if (!pfd_) return {0, make_error_code(errc::closed)};
  if (!src.pfd_) return {0, make_error_code(errc::closed)};
  std::size_t total = 0;
  if (spliceable(kind_) && spliceable(src.kind_)) {
    // Through an intermediate pipe, as Go's internal/poll.Splice: draining src into it only
    // fails with EAGAIN when src is empty (the pipe is), and pumping it into dst only when
    // dst is full (it holds data), so each EAGAIN says which fd to wait for.
    int p[2];
    if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0) {
      unique_fd pr(p[0]), pw(p[1]);
      (void)::fcntl(pw.get(), F_SETPIPE_SZ, static_cast<int>(kSpliceChunk));
      const int in = src.pfd_->fd(), out = pfd_->fd();
      for (;;) {
        auto got = src.pfd_->io(side::read, [&] {
          return ::splice(in, nullptr, pw.get(), nullptr, kSpliceChunk,
                          SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        });
        if (!got) {
          if (total == 0 && got.error() == std::errc::invalid_argument) break;  // not spliceable
          return {total, got.error()};
        }
        if (*got == 0) return {total, {}};  // src's end of stream
        std::size_t left = *got;
        auto put = pfd_->io(side::write, [&]() -> ssize_t {
          while (left > 0) {
            ssize_t n =
                ::splice(pr.get(), nullptr, out, nullptr, left, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
            if (n < 0) return -1;  // errno: EAGAIN (dst full) makes the descriptor wait
            left -= static_cast<std::size_t>(n);
            total += static_cast<std::size_t>(n);
          }
          return 0;
        });
        if (!put) return {total, put.error()};
      }
    }
  }
  std::byte buf[32 * 1024];
  io_result r = io::copy_buffer(*this, src, buf);
  r.n += total;
  return r;
}

result<void> file::set_deadline(deadline d) noexcept {
  if (!pfd_ || pfd_->closing()) return fail(errc::closed);
  if (!pollable()) return fail(std::make_error_code(std::errc::not_supported));
  pfd_->set_deadline(d);
  return {};
}

result<void> file::set_read_deadline(deadline d) noexcept {
  if (!pfd_ || pfd_->closing()) return fail(errc::closed);
  if (!pollable()) return fail(std::make_error_code(std::errc::not_supported));
  pfd_->set_deadline(side::read, d);
  return {};
}

result<void> file::set_write_deadline(deadline d) noexcept {
  if (!pfd_ || pfd_->closing()) return fail(errc::closed);
  if (!pollable()) return fail(std::make_error_code(std::errc::not_supported));
  pfd_->set_deadline(side::write, d);
  return {};
}

result<void> file::close() noexcept {
  if (!pfd_) return fail(errc::closed);
  return pfd_->close();
}

result<unique_fd> file::release() noexcept {
  if (!pfd_) return fail(errc::closed);
  const int fd = pfd_->fd();
  if (fd < 0) return fail(errc::closed);
  auto dup = pfd_->control([fd] { return static_cast<ssize_t>(::fcntl(fd, F_DUPFD_CLOEXEC, 0)); });
  if (!dup) return fail(dup.error());
  unique_fd out(static_cast<int>(*dup));
  if (auto r = pfd_->close(); !r && r.error() == errc::closed) {
    return fail(errc::closed);  // lost a race with another close(); out is closed
  }
  int fl = ::fcntl(out.get(), F_GETFL);
  if (fl >= 0 && (fl & O_NONBLOCK) != 0) (void)::fcntl(out.get(), F_SETFL, fl & ~O_NONBLOCK);
  return out;
}

result<std::size_t> file::buffer_size() const noexcept {
  if (!pfd_) return fail(errc::closed);
  const int fd = pfd_->fd();
  if (fd < 0) return fail(errc::closed);
  return pfd_->control([fd] { return static_cast<ssize_t>(::fcntl(fd, F_GETPIPE_SZ)); });
}

result<std::size_t> file::set_buffer_size(std::size_t bytes) noexcept {
  if (!pfd_) return fail(errc::closed);
  const int fd = pfd_->fd();
  if (fd < 0) return fail(errc::closed);
  if (bytes > static_cast<std::size_t>(INT_MAX)) return fail_errno(EINVAL);
  return pfd_->control([fd, bytes] {
    return static_cast<ssize_t>(::fcntl(fd, F_SETPIPE_SZ, static_cast<int>(bytes)));
  });
}

result<pipe_pair> pipe() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) return fail_errno(errno);
  unique_fd r(p[0]), w(p[1]);
  return pipe_pair{file(std::move(r)), file(std::move(w))};
}

}  // namespace conduit::os
