// Helpers shared by conduit's tests.
#ifndef CONDUIT_TESTS_SUPPORT_HPP
#define CONDUIT_TESTS_SUPPORT_HPP

#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace conduit::test {

// Number of open fds of this process (entries of /proc/self/fd).
int open_fd_count();

// "3 -> pipe:[123], 4 -> /dev/null, ...": what this process has open, for messages.
std::string describe_open_fds();

// Generous slack for timing assertions on a small shared machine.
inline constexpr std::chrono::milliseconds kSlack{500};

// Runs f on a new thread and joins it; the thread is joined even if the test fails.
class scoped_thread {
 public:
  template <class F>
  explicit scoped_thread(F&& f) : t_(std::forward<F>(f)) {}
  scoped_thread(scoped_thread&&) = default;
  ~scoped_thread() {
    if (t_.joinable()) t_.join();
  }
  void join() { t_.join(); }

 private:
  std::thread t_;
};

// A unique name for files, queues and shared memory objects of one test.
std::string unique_name(const std::string& prefix);

}  // namespace conduit::test

#endif  // CONDUIT_TESTS_SUPPORT_HPP
