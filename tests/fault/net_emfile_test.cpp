// Accept under EMFILE: with RLIMIT_NOFILE lowered so that every fd number is taken, a
// pending accept backs off without spinning, without crashing, and takes the connection
// once an fd is free; close() and the deadline still end it promptly. The limit is
// restored before each test ends.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <conduit/net/dial.hpp>
#include <conduit/net/listener.hpp>
#include <ctime>
#include <vector>

#include "support/support.hpp"
#include "unit/net/net_helpers.hpp"

namespace conduit::net {
namespace {

using namespace std::chrono_literals;
using conduit::test::kSlack;
using conduit::test::scoped_thread;

int highest_open_fd() {
  int hi = -1;
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  int self = ::dirfd(d);
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    int fd = std::atoi(e->d_name);
    if (fd != self && fd > hi) hi = fd;
  }
  ::closedir(d);
  return hi;
}

// Lowers the soft RLIMIT_NOFILE to just above the highest fd in use and fills every free
// number below it, so that the next fd allocation fails with EMFILE. Undone on
// destruction (fillers closed, limit restored).
class fd_exhaustion {
 public:
  fd_exhaustion() {
    ::getrlimit(RLIMIT_NOFILE, &old_);
    int limit = highest_open_fd() + 4;
    rlimit low = old_;
    low.rlim_cur = static_cast<rlim_t>(limit);
    EXPECT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
    for (;;) {
      int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        EXPECT_EQ(errno, EMFILE);
        break;
      }
      fillers_.push_back(fd);
    }
  }
  ~fd_exhaustion() {
    for (int fd : fillers_) ::close(fd);
    ::setrlimit(RLIMIT_NOFILE, &old_);
  }
  // Frees one fd number.
  void release_one() {
    if (fillers_.empty()) return;
    ::close(fillers_.back());
    fillers_.pop_back();
  }

 private:
  rlimit old_{};
  std::vector<int> fillers_;
};

std::chrono::nanoseconds thread_cpu_time() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

void spin_until(const std::atomic<bool>& flag) {
  while (!flag.load()) std::this_thread::yield();
}

// Runs ln.accept() on a thread that starts before the fds run out and ends only after they
// are back: a sanitizer runtime needs fds of its own to start and to end a thread.
class background_accept {
 public:
  explicit background_accept(listener& ln)
      : t_([this, &ln] {
          running_ = true;
          spin_until(go_);
          auto t0 = thread_cpu_time();
          started_ = true;
          got_ = ln.accept();
          cpu_ = thread_cpu_time() - t0;
          done_ = true;
          spin_until(exit_);
        }) {
    spin_until(running_);
  }
  ~background_accept() { finish(); }
  // Lets the accept begin; returns once it has.
  void start() {
    go_ = true;
    spin_until(started_);
  }
  void wait_done() { spin_until(done_); }
  // Lets the thread end and joins it. Call once the fds are back.
  void finish() {
    go_ = true;
    exit_ = true;
    if (t_.joinable()) t_.join();
  }
  result<conn>& got() { return got_; }
  std::chrono::nanoseconds cpu() const { return cpu_; }

 private:
  std::atomic<bool> running_{false}, go_{false}, started_{false}, done_{false}, exit_{false};
  result<conn> got_ = fail(errc::eof);
  std::chrono::nanoseconds cpu_{};
  std::thread t_;
};

TEST(NetEmfileTest, AcceptBacksOffAndTakesTheConnectionOnceAnFdIsFree) {
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  auto client = dial_timeout("tcp", ln->addr().to_string(), 10s);  // waits in the backlog
  ASSERT_TRUE(client);
  ln->set_deadline(deadline::after(20s));
  background_accept a(*ln);
  {
    fd_exhaustion ex;
    a.start();
    std::this_thread::sleep_for(300ms);  // the scenario: out of fds for a while
    ex.release_one();
    a.wait_done();
  }
  a.finish();
  ASSERT_TRUE(a.got()) << a.got().error().message();
  EXPECT_EQ(a.got()->remote_addr(), client->local_addr());
  EXPECT_LT(a.cpu(), 100ms) << "accept spun while out of fds";
  ASSERT_FALSE(client->write("ok").err);
  std::byte b[2];
  a.got()->set_read_deadline(deadline::after(10s));
  EXPECT_TRUE(a.got()->read(b));
}

TEST(NetEmfileTest, CloseEndsAnAcceptThatIsBackingOff) {
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  auto client = dial_timeout("tcp", ln->addr().to_string(), 10s);
  ASSERT_TRUE(client);
  ln->set_deadline(deadline::after(20s));
  background_accept a(*ln);
  clock::duration took{};
  bool closed = false;
  {
    fd_exhaustion ex;
    a.start();
    std::this_thread::sleep_for(200ms);  // let the back-off grow
    auto t0 = clock::now();
    closed = ln->close().has_value();
    a.wait_done();
    took = clock::now() - t0;
  }
  a.finish();
  EXPECT_TRUE(closed);
  ASSERT_FALSE(a.got());
  EXPECT_EQ(a.got().error(), errc::closed);
  EXPECT_LT(took, 100ms + kSlack);
}

TEST(NetEmfileTest, DeadlineEndsAnAcceptThatIsBackingOff) {
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  auto client = dial_timeout("tcp", ln->addr().to_string(), 10s);
  ASSERT_TRUE(client);
  result<conn> got = fail(errc::eof);
  clock::duration took{};
  {
    fd_exhaustion ex;
    ln->set_deadline(deadline::after(150ms));
    auto t0 = clock::now();
    got = ln->accept();
    took = clock::now() - t0;
  }
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error(), errc::timeout);
  EXPECT_GE(took, 140ms);
  EXPECT_LT(took, 150ms + kSlack);
  // The connection is still in the backlog: with fds back, it is accepted.
  ln->set_deadline(deadline::after(10s));
  EXPECT_TRUE(ln->accept());
}

}  // namespace
}  // namespace conduit::net
