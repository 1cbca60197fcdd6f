// Child processes for tests that need real peers: the test binary re-executes itself
// (/proc/self/exe, never fork: ThreadSanitizer dislikes fork in a multi-threaded process)
// with CONDUIT_TEST_CHILD=<mode>, and the child runs the function registered for that mode
// instead of the tests, then exits with its return value.
//
//   // at namespace scope in a test file:
//   const bool writer_mode = conduit::test::register_child("ring_writer", [](std::string_view
//   arg) {
//     ... return 0;   // the child's exit status
//   });
//
//   TEST(RingTest, X) {
//     auto c = conduit::test::child_process::spawn("ring_writer", name);
//     ASSERT_TRUE(c.valid());
//     EXPECT_EQ(c.wait(conduit::deadline::after(20s)), 0);   // exit status, or -1
//   }
//
// The mode's function runs from a GoogleTest environment's SetUp, after static
// initialisation and before any test, so it may use everything a test may use.
// The child inherits stdout and stderr and the environment (sanitizer options included).
//
// Thread safety: spawn and register_child from any thread; one child_process object must not
// be used from two threads at once.
#ifndef CONDUIT_TESTS_SUPPORT_CHILD_HPP
#define CONDUIT_TESTS_SUPPORT_CHILD_HPP

#include <sys/types.h>

#include <conduit/time.hpp>
#include <string>
#include <string_view>

namespace conduit::test {

// The function a child runs: arg is the string given to spawn; the return value is the
// child's exit status.
using child_main = int (*)(std::string_view arg);

// Registers f for `mode`. Returns true (so that it can initialise a namespace-scope bool).
bool register_child(const char* mode, child_main f);

class child_process {
 public:
  child_process() = default;
  child_process(child_process&& o) noexcept;
  child_process& operator=(child_process&& o) noexcept;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  // Kills (SIGKILL) and reaps the child if it has not been waited for.
  ~child_process();

  // Starts this binary as a child running `mode` with `arg`. Check valid().
  [[nodiscard]] static child_process spawn(std::string_view mode, std::string_view arg = {});

  [[nodiscard]] bool valid() const noexcept { return pid_ > 0; }
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

  // Sends sig to the child (if it has not been reaped).
  void kill(int sig) noexcept;

  // Waits (on a pidfd, through runtime::wait_fd) until the child ends or d passes, and reaps
  // it. Returns its exit status (0-255), 128 + the signal number if a signal ended it, or -1
  // if d passed (the child is then killed and reaped).
  int wait(deadline d) noexcept;

 private:
  void reset() noexcept;
  pid_t pid_ = -1;
  int pidfd_ = -1;
};

}  // namespace conduit::test

#endif  // CONDUIT_TESTS_SUPPORT_CHILD_HPP
