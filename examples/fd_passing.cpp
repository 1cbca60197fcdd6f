// fd_passing: hand an open file to another process over a Unix socket (SCM_RIGHTS) — what
// Go does with UnixConn.WriteMsgUnix / ReadMsgUnix and syscall.UnixRights.
//
//   fd_passing            the parent opens a file, starts a child (this program again)
//                         with one end of a socket pair as its fd 3, and passes the open
//                         file over it; the child reads the file through the descriptor it
//                         received (it never opens the path), sends the text back, and
//                         reports its peer's credentials; exits 0
//
// The received descriptor arrives O_CLOEXEC and owned (a unique_fd), so nothing leaks.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <conduit/net/net.hpp>
#include <cstdio>
#include <cstring>
#include <string>

extern char** environ;

namespace net = conduit::net;
using namespace std::chrono_literals;

int child() {
  auto c = net::file_conn(conduit::unique_fd(3));  // inherited from the parent
  if (!c) return 10;
  auto u = net::unix_conn::try_from(*c);
  if (!u) return 11;
  u->set_deadline(conduit::deadline::after(10s));
  std::byte tag[16];
  auto got = u->recv_fds(tag, 1);
  if (!got || got.fds.size() != 1) {
    std::fprintf(stderr, "child: recv_fds: %s\n", got.err.message().c_str());
    return 12;
  }
  char text[256];
  ssize_t n = ::pread(got.fds[0].get(), text, sizeof text, 0);
  if (n < 0) return 13;
  auto cred = u->peer_credentials();
  std::printf("child %d: got fd %d from pid %d; it reads: %.*s", static_cast<int>(::getpid()),
              got.fds[0].get(), cred ? static_cast<int>(cred->pid) : -1, static_cast<int>(n), text);
  std::fflush(stdout);
  return u->write(std::string_view(text, static_cast<std::size_t>(n))).err ? 14 : 0;
}

int parent(const char* self) {
  // A file with something in it, then unlinked: only the descriptor leads to it.
  char path[] = "/tmp/conduit_fd_passing_XXXXXX";
  int fd = ::mkostemp(path, O_CLOEXEC);
  if (fd < 0) return 1;
  conduit::unique_fd file(fd);
  ::unlink(path);
  const char kText[] = "a line written by the parent\n";
  if (::write(file.get(), kText, sizeof kText - 1) != sizeof kText - 1) return 1;

  auto pair = net::unix_socket_pair("unix");
  if (!pair) return 1;
  auto& [ours, theirs] = *pair;
  ours.set_deadline(conduit::deadline::after(10s));
  // The child gets `theirs` as fd 3: dup2 in the spawn's file actions clears O_CLOEXEC on
  // the copy; every other fd of ours is O_CLOEXEC and stays behind.
  auto child_end = theirs.dup_fd();
  if (!child_end) return 1;

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, child_end->get(), 3);
  char arg0[] = "fd_passing", arg1[] = "child";
  char* argv[] = {arg0, arg1, nullptr};
  pid_t pid;
  int rc = ::posix_spawn(&pid, self, &fa, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  child_end->reset();
  (void)theirs.close();  // only the child's copy is left: its exit gives us eof
  if (rc != 0) {
    std::fprintf(stderr, "spawn: %s\n", std::strerror(rc));
    return 1;
  }

  int fds[] = {file.get()};
  if (auto s = ours.send_fds("F", fds); s.err) {
    std::fprintf(stderr, "send_fds: %s\n", s.err.message().c_str());
    return 1;
  }
  file.reset();  // the child holds its own copy now
  std::string back;
  std::byte buf[256];
  for (;;) {
    auto r = ours.read(buf);
    if (!r) break;  // eof when the child exits
    back.append(reinterpret_cast<const char*>(buf), *r);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::printf("parent: the child sent back: %s", back.c_str());
  bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && back == kText;
  std::printf("%s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "child") == 0) return child();
  return parent("/proc/self/exe");
}
