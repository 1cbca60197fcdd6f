#include "support/support.hpp"

#include <dirent.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

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

std::string describe_open_fds() {
  std::string out;
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    char target[256] = {};
    std::string path = std::string("/proc/self/fd/") + e->d_name;
    ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
    out += std::string(e->d_name) + " -> " + (n > 0 ? std::string(target, n) : "?") + ", ";
  }
  ::closedir(d);
  return out;
}

std::string unique_name(const std::string& prefix) {
  static std::atomic<int> seq{0};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%d_%d", static_cast<int>(::getpid()), seq.fetch_add(1));
  return prefix + "_" + buf;
}

}  // namespace conduit::test
