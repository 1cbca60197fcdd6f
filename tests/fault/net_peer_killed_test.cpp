// A peer process killed mid-stream (SIGKILL): the reader sees errc::eof or ECONNRESET, the
// writer EPIPE or ECONNRESET — never a SIGPIPE death, never a hang (every call is bounded by
// a deadline). The peer is a forked child that uses only async-signal-safe calls.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <conduit/net/listener.hpp>
#include <csignal>
#include <cstring>
#include <vector>

#include "support/support.hpp"
#include "unit/net/net_helpers.hpp"

namespace conduit::net {
namespace {

using namespace std::chrono_literals;

// SIGPIPE at its default action (death) for the length of a test, so that a write that
// raised it would kill the test process.
class sigpipe_default {
 public:
  sigpipe_default() {
    struct sigaction sa {};
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGPIPE, &sa, &old_);
  }
  ~sigpipe_default() { ::sigaction(SIGPIPE, &old_, nullptr); }

 private:
  struct sigaction old_ {};
};

enum class child_role { writer, reader };

// Forks a child that connects to sa and then writes forever (writer) or only sleeps
// (reader, never reading). Returns its pid.
pid_t spawn_peer(const sockaddr* sa, socklen_t len, int family, child_role role) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  // Child: async-signal-safe calls only.
  int fd = ::socket(family, SOCK_STREAM, 0);
  if (fd < 0 || ::connect(fd, sa, len) != 0) ::_exit(2);
  static char block[4096];
  for (;;) {
    if (role == child_role::writer) {
      if (::write(fd, block, sizeof block) < 0) ::_exit(3);
    } else {
      ::pause();
    }
  }
}

struct killed_peer {
  conn accepted;
  pid_t pid = -1;
};

// Listens on (network, address), forks the peer to connect, accepts it.
std::optional<killed_peer> accept_child(std::string_view network, std::string_view address,
                                        child_role role) {
  auto ln = listen(network, address);
  if (!ln) {
    ADD_FAILURE() << ln.error().what();
    return std::nullopt;
  }
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET;
  if (auto* t = ln->addr().as_tcp()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(t->port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::memcpy(&ss, &sin, sizeof sin);
    len = sizeof sin;
  } else {
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::string path = ln->addr().to_string();
    std::memcpy(sun.sun_path, path.data(), path.size());
    std::memcpy(&ss, &sun, sizeof sun);
    len = sizeof sun;
    family = AF_UNIX;
  }
  pid_t pid = spawn_peer(reinterpret_cast<sockaddr*>(&ss), len, family, role);
  if (pid < 0) {
    ADD_FAILURE() << "fork failed";
    return std::nullopt;
  }
  ln->set_deadline(deadline::after(20s));
  auto c = ln->accept();
  if (!c) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ADD_FAILURE() << "accept: " << c.error().message();
    return std::nullopt;
  }
  return killed_peer{std::move(*c), pid};
}

void kill_and_reap(pid_t pid) {
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status));
}

class NetPeerKilledTest : public ::testing::TestWithParam<const char*> {
 protected:
  std::optional<killed_peer> start(child_role role) {
    if (std::string(GetParam()) == "tcp") return accept_child("tcp", "127.0.0.1:0", role);
    return accept_child("unix", test::temp_socket_path("killed"), role);
  }
};

TEST_P(NetPeerKilledTest, ReaderSeesEofOrResetWhenTheWriterDies) {
  sigpipe_default guard;
  auto p = start(child_role::writer);
  ASSERT_TRUE(p);
  p->accepted.set_read_deadline(deadline::after(20s));
  std::vector<std::byte> buf(64 << 10);
  auto first = p->accepted.read(buf);  // the child is streaming
  ASSERT_TRUE(first) << first.error().message();
  kill_and_reap(p->pid);
  std::error_code end;
  for (;;) {
    auto r = p->accepted.read(buf);
    if (!r) {
      end = r.error();
      break;
    }
  }
  EXPECT_TRUE(end == errc::eof || end == std::errc::connection_reset) << end.message();
}

TEST_P(NetPeerKilledTest, WriterSeesEpipeOrResetNeverSigpipe) {
  sigpipe_default guard;
  auto p = start(child_role::reader);
  ASSERT_TRUE(p);
  kill_and_reap(p->pid);
  p->accepted.set_write_deadline(deadline::after(20s));
  std::vector<std::byte> chunk(16 << 10);
  std::error_code err;
  for (int i = 0; i < 10000 && !err; ++i) err = p->accepted.write(chunk).err;
  EXPECT_TRUE(err == std::errc::broken_pipe || err == std::errc::connection_reset) << err.message();
  // And again: still an error, still no signal.
  auto again = p->accepted.write(chunk);
  EXPECT_TRUE(again.err);
}

TEST_P(NetPeerKilledTest, WriterKilledWhileTheLocalWriteIsBlocked) {
  sigpipe_default guard;
  auto p = start(child_role::reader);  // never reads: our write fills the buffers, blocks
  ASSERT_TRUE(p);
  p->accepted.set_write_deadline(deadline::after(20s));
  io_result w;
  conduit::test::scoped_thread writer([&] {
    std::vector<std::byte> big(64 << 20);
    w = p->accepted.write(big);
  });
  std::this_thread::sleep_for(100ms);  // the scenario: the write is blocked by now
  kill_and_reap(p->pid);
  writer.join();
  EXPECT_TRUE(w.err == std::errc::broken_pipe || w.err == std::errc::connection_reset)
      << w.err.message();
  EXPECT_LT(w.n, 64u << 20);
}

INSTANTIATE_TEST_SUITE_P(Kinds, NetPeerKilledTest, ::testing::Values("tcp", "unix"));

}  // namespace
}  // namespace conduit::net
