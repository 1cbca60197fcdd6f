// unique_fd: sole ownership of a file descriptor, closed on destruction. Move-only.
//
//   conduit::unique_fd fd(::open(path, O_RDONLY | O_CLOEXEC));
//   if (!fd) return fail_errno(errno);
//
// Thread safety: as a plain value; one object must not be used from two threads at once.
#ifndef CONDUIT_FD_HPP
#define CONDUIT_FD_HPP

#include <utility>

namespace conduit {

class unique_fd {
 public:
  constexpr unique_fd() noexcept = default;
  // Takes ownership of fd (which may be -1).
  constexpr explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() { reset(); }

  [[nodiscard]] constexpr int get() const noexcept { return fd_; }
  [[nodiscard]] constexpr bool valid() const noexcept { return fd_ >= 0; }
  constexpr explicit operator bool() const noexcept { return fd_ >= 0; }

  // Gives up ownership without closing; returns the fd (or -1).
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

  // Closes the owned fd (if any; EINTR is not retried, as on Linux the fd is gone) and
  // takes ownership of fd. Blocks: never (close(2) of a socket with SO_LINGER aside).
  void reset(int fd = -1) noexcept;

 private:
  int fd_ = -1;
};

}  // namespace conduit

#endif  // CONDUIT_FD_HPP
