#include <unistd.h>

#include <conduit/fd.hpp>

namespace conduit {

void unique_fd::reset(int fd) noexcept {
  int old = std::exchange(fd_, fd);
  // On Linux the descriptor is released even when close(2) fails with EINTR: never retry.
  if (old >= 0) ::close(old);
}

}  // namespace conduit
