#include "support/support.hpp"

#include <dirent.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

namespace conduit::test {

int open_fd_count() {
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  int n = 0;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n - 1;  // the DIR's own fd
}

std::string unique_name(const std::string& prefix) {
  static std::atomic<int> seq{0};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%d_%d", static_cast<int>(::getpid()), seq.fetch_add(1));
  return prefix + "_" + buf;
}

}  // namespace conduit::test
