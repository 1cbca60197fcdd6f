// os::command and os::pipeline. See include/conduit/os/exec.hpp.
//
// The child is made by posix_spawn(3) (glibc: clone(CLONE_VM | CLONE_VFORK), so the parent
// learns the exec's errno from posix_spawn's return value, and nothing runs in the child but
// the file actions and execve). The fds the child gets are placed in two steps, so that no
// source is overwritten before it is copied: every source is first dup2'd to a number above
// all sources and targets, then down to its slot (dup2 also clears close-on-exec); then
// every fd from the first number after the slots up is closed (close_range), whatever its
// close-on-exec flag. The pidfd is opened right after the spawn: the child cannot be reaped
// (and its pid reused) before this process waits for it.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <conduit/os/exec.hpp>
#include <cstdlib>

extern char** environ;  // NOLINT: POSIX

namespace conduit::os {
namespace {

exec_error make_error(int e, std::string what) {
  return exec_error(errno_code(e), std::move(what));
}

unexpected<exec_error> fail_exec(int e, std::string what) {
  return unexpected(make_error(e, std::move(what)));
}

unexpected<exec_error> fail_exec(std::error_code ec, std::string what) {
  return unexpected(exec_error(ec, std::move(what)));
}

std::string go_quote(std::string_view s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

bool is_executable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) return false;
  return ::faccessat(AT_FDCWD, path.c_str(), X_OK, AT_EACCESS) == 0;
}

// Go's exec.LookPath, on this process's $PATH.
result<std::string, exec_error> look_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* env_path = std::getenv("PATH");
  std::string_view path = env_path != nullptr ? env_path : "";
  while (!path.empty()) {
    std::size_t colon = path.find(':');
    std::string_view dir = path.substr(0, colon);
    path = colon == std::string_view::npos ? std::string_view() : path.substr(colon + 1);
    std::string cand = std::string(dir.empty() ? "." : dir) + "/" + name;
    if (!is_executable(cand)) continue;
    if (cand[0] != '/') {
      return fail_exec(EINVAL, "exec: " + go_quote(name) +
                                   ": cannot run executable found relative to current directory");
    }
    return cand;
  }
  return fail_exec(ENOENT, "exec: " + go_quote(name) + ": executable file not found in $PATH");
}

// Owns the posix_spawn objects for one start.
struct spawn_objects {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  spawn_objects() {
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
  }
  ~spawn_objects() {
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
  }
  spawn_objects(const spawn_objects&) = delete;
  spawn_objects& operator=(const spawn_objects&) = delete;
};

}  // namespace

stdio stdio::from(file f) noexcept {
  auto fd = f.release();  // back to blocking mode: the child expects it
  stdio s(mode::owned, -1);
  if (fd) {
    s.own_ = std::move(*fd);
  } else {
    s.mode_ = mode::null;  // a closed file: the child gets /dev/null rather than a stray fd
  }
  return s;
}

command::command(std::string name, std::vector<std::string> args)
    : name_(std::move(name)), path_(name_), args_(std::move(args)) {
  slots_.reserve(3);
  for (int i = 0; i < 3; ++i) slots_.push_back(stdio::inherit());
}

command::command(command&&) noexcept = default;
command& command::operator=(command&&) noexcept = default;
command::~command() = default;

command& command::dir(std::filesystem::path d) {
  dir_ = std::move(d);
  return *this;
}

command& command::env(std::vector<std::string> kv) {
  env_ = std::move(kv);
  env_edits_.clear();
  return *this;
}

command& command::set_env(std::string_view key, std::string_view value) {
  env_edits_.emplace_back(std::string(key), std::string(value));
  return *this;
}

command& command::unset_env(std::string_view key) {
  env_edits_.emplace_back(std::string(key), std::nullopt);
  return *this;
}

command& command::stdin_from(stdio s) {
  slots_[0] = std::move(s);
  return *this;
}
command& command::stdout_to(stdio s) {
  slots_[1] = std::move(s);
  return *this;
}
command& command::stderr_to(stdio s) {
  slots_[2] = std::move(s);
  return *this;
}
command& command::extra_file(stdio s) {
  slots_.push_back(std::move(s));
  return *this;
}
command& command::new_process_group(bool on) {
  new_group_ = on;
  return *this;
}

bool command::slot_set(int slot) const noexcept {
  return slots_[static_cast<std::size_t>(slot)].mode_ != stdio::mode::inherit;
}

result<file> command::make_pipe(int slot) {
  if (started_ || slot_set(slot)) return fail_errno(EINVAL);
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return fail_errno(errno);
  unique_fd r(p[0]), w(p[1]);
  stdio child(stdio::mode::owned, -1);
  child.own_ = slot == 0 ? std::move(r) : std::move(w);
  slots_[static_cast<std::size_t>(slot)] = std::move(child);
  return file(slot == 0 ? std::move(w) : std::move(r));
}

result<file> command::stdin_pipe() { return make_pipe(0); }
result<file> command::stdout_pipe() { return make_pipe(1); }
result<file> command::stderr_pipe() { return make_pipe(2); }

std::string command::string() const {
  std::string s = path_;
  for (const std::string& a : args_) s += " " + a;
  return s;
}

void command::close_child_ends() noexcept {
  for (stdio& s : slots_) {
    if (s.mode_ == stdio::mode::owned) s.own_.reset();
  }
}

result<void, exec_error> command::start() {
  if (started_) return fail_exec(EINVAL, "exec: already started");
  if (name_.empty()) return fail_exec(EINVAL, "exec: no command");
  auto found = look_path(name_);
  if (!found) return unexpected(std::move(found).error());
  path_ = std::move(*found);

  // The environment: inherited or replaced, then the edits (a later one wins).
  std::vector<std::string> env;
  if (env_) {
    env = *env_;
  } else {
    for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  }
  for (const auto& [key, value] : env_edits_) {
    std::string prefix = key + "=";
    std::erase_if(env, [&](const std::string& kv) { return kv.starts_with(prefix); });
    if (value) env.push_back(prefix + *value);
  }
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (std::string& kv : env) envp.push_back(kv.data());
  envp.push_back(nullptr);
  std::vector<char*> argv;
  argv.reserve(args_.size() + 2);
  argv.push_back(name_.data());
  for (std::string& a : args_) argv.push_back(a.data());
  argv.push_back(nullptr);

  // Where each of the child's fds comes from (-1: inherited as it is).
  unique_fd devnull;
  std::vector<int> src(slots_.size(), -1);
  int top = static_cast<int>(slots_.size()) - 1;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const stdio& s = slots_[i];
    switch (s.mode_) {
      case stdio::mode::inherit:
        if (i >= 3) src[i] = static_cast<int>(i);  // an extra file: this process's fd 3 + i
        break;
      case stdio::mode::null:
        if (!devnull) {
          devnull.reset(::open("/dev/null", O_RDWR | O_CLOEXEC));
          if (!devnull) return fail_exec(errno, "open /dev/null: " + errno_code(errno).message());
        }
        src[i] = devnull.get();
        break;
      case stdio::mode::owned:
        src[i] = s.own_.get();
        break;
      case stdio::mode::borrowed:
        src[i] = s.fd_;
        break;
    }
    top = std::max(top, src[i]);
  }

  spawn_objects so;
  int fa_err = 0;
  for (std::size_t i = 0; i < slots_.size() && fa_err == 0; ++i) {
    if (src[i] >= 0) {
      fa_err = posix_spawn_file_actions_adddup2(&so.fa, src[i], top + 1 + static_cast<int>(i));
    }
  }
  for (std::size_t i = 0; i < slots_.size() && fa_err == 0; ++i) {
    if (src[i] >= 0) {
      fa_err = posix_spawn_file_actions_adddup2(&so.fa, top + 1 + static_cast<int>(i),
                                                static_cast<int>(i));
    }
  }
  if (fa_err == 0) {
    fa_err = posix_spawn_file_actions_addclosefrom_np(&so.fa, static_cast<int>(slots_.size()));
  }
  if (fa_err == 0 && !dir_.empty()) {
    fa_err = posix_spawn_file_actions_addchdir_np(&so.fa, dir_.c_str());
  }
  if (fa_err != 0) {
    return fail_exec(fa_err, "exec: " + go_quote(name_) + ": " + errno_code(fa_err).message());
  }
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&so.attr, &none);
  posix_spawnattr_setsigdefault(&so.attr, &all);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (new_group_) {
    flags |= POSIX_SPAWN_SETPGROUP;
    posix_spawnattr_setpgroup(&so.attr, 0);
  }
  posix_spawnattr_setflags(&so.attr, flags);

  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, path_.c_str(), &so.fa, &so.attr, argv.data(), envp.data());
  if (rc != 0) {
    if (!dir_.empty()) {
      struct stat st {};
      if (::stat(dir_.c_str(), &st) != 0) {
        int e = errno;
        return fail_exec(e, "chdir " + dir_.string() + ": " + errno_code(e).message());
      }
      if (!S_ISDIR(st.st_mode)) {
        return fail_exec(ENOTDIR, "chdir " + dir_.string() + ": " + errno_code(ENOTDIR).message());
      }
    }
    return fail_exec(rc, "fork/exec " + path_ + ": " + errno_code(rc).message());
  }
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    int e = errno;
    // Without a pidfd the child cannot be waited for through the runtime: undo the start.
    // SIGKILL makes the blocking reap brief.
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return fail_exec(e, "exec: " + go_quote(name_) + ": pidfd_open: " + errno_code(e).message());
  }
  proc_ = os::process(pid, unique_fd(pidfd), new_group_);
  started_ = true;
  close_child_ends();
  return {};
}

result<exit_status> command::wait(deadline d) noexcept { return proc_.wait(d); }

void command::kill_and_reap() noexcept {
  if (!started_) return;
  if (new_group_) (void)proc_.kill_group();
  (void)proc_.kill();
  (void)proc_.wait(deadline::never());
}

result<exit_status, exec_error> command::run(deadline d) {
  if (auto s = start(); !s) return unexpected(std::move(s).error());
  auto st = wait(d);
  if (!st) {
    if (st.error() == errc::timeout) kill_and_reap();
    return fail_exec(st.error(), "wait " + string() + ": " + st.error().message());
  }
  return *st;
}

result<command_output, exec_error> command::collect(deadline d, bool combined) {
  if (started_) return fail_exec(EINVAL, "exec: already started");
  if (slot_set(1)) return fail_exec(EINVAL, "exec: stdout already set");
  if (combined && slot_set(2)) return fail_exec(EINVAL, "exec: stderr already set");
  auto out = stdout_pipe();
  if (!out) return fail_exec(out.error(), "exec: pipe: " + out.error().message());
  if (combined) slots_[2] = stdio::fd(slots_[1].own_.get());
  if (auto s = start(); !s) return unexpected(std::move(s).error());
  (void)out->set_read_deadline(d);
  command_output res;
  char buf[32 * 1024];
  for (;;) {
    auto n = out->read(std::as_writable_bytes(std::span(buf)));
    if (!n) {
      if (n.error() == errc::eof) break;
      kill_and_reap();
      return fail_exec(n.error(), "read stdout of " + string() + ": " + n.error().message());
    }
    res.out.append(buf, *n);
  }
  auto st = wait(d);
  if (!st) {
    if (st.error() == errc::timeout) kill_and_reap();
    return fail_exec(st.error(), "wait " + string() + ": " + st.error().message());
  }
  res.status = *st;
  return res;
}

result<command_output, exec_error> command::output(deadline d) { return collect(d, false); }
result<command_output, exec_error> command::combined_output(deadline d) { return collect(d, true); }

result<void, exec_error> pipeline::start() {
  if (stages_.empty()) return fail_exec(EINVAL, "exec: empty pipeline");
  const std::size_t n = stages_.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (stages_[i].started_) return fail_exec(EINVAL, "exec: already started");
    if (i > 0 && stages_[i].slot_set(0)) {
      return fail_exec(EINVAL, "exec: pipeline stage " + std::to_string(i) + " (" +
                                   stages_[i].name_ + "): stdin already set");
    }
    if (i + 1 < n && stages_[i].slot_set(1)) {
      return fail_exec(EINVAL, "exec: pipeline stage " + std::to_string(i) + " (" +
                                   stages_[i].name_ + "): stdout already set");
    }
  }
  for (std::size_t i = 0; i + 1 < n; ++i) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) {
      int e = errno;
      return fail_exec(e, "exec: pipe: " + errno_code(e).message());
    }
    stages_[i].slots_[1] = stdio(stdio::mode::owned, -1);
    stages_[i].slots_[1].own_.reset(p[1]);
    stages_[i + 1].slots_[0] = stdio(stdio::mode::owned, -1);
    stages_[i + 1].slots_[0].own_.reset(p[0]);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (auto s = stages_[i].start(); !s) {
      for (std::size_t j = i; j < n; ++j) stages_[j].close_child_ends();
      kill_and_reap_all();
      return s;
    }
  }
  return {};
}

void pipeline::kill_and_reap_all() noexcept {
  for (command& c : stages_) c.kill_and_reap();
}

result<std::vector<exit_status>> pipeline::wait(deadline d) noexcept {
  std::vector<exit_status> out;
  out.reserve(stages_.size());
  for (command& c : stages_) {
    auto st = c.wait(d);
    if (!st) return fail(st.error());
    out.push_back(*st);
  }
  return out;
}

result<std::vector<exit_status>, exec_error> pipeline::run(deadline d) {
  if (auto s = start(); !s) return unexpected(std::move(s).error());
  auto st = wait(d);
  if (!st) {
    if (st.error() == errc::timeout) kill_and_reap_all();
    return fail_exec(st.error(), "wait pipeline: " + st.error().message());
  }
  return std::move(*st);
}

result<pipeline_output, exec_error> pipeline::output(deadline d) {
  if (stages_.empty()) return fail_exec(EINVAL, "exec: empty pipeline");
  command& last = stages_.back();
  if (last.slot_set(1)) return fail_exec(EINVAL, "exec: stdout already set");
  auto out = last.stdout_pipe();
  if (!out) return fail_exec(out.error(), "exec: pipe: " + out.error().message());
  if (auto s = start(); !s) return unexpected(std::move(s).error());
  (void)out->set_read_deadline(d);
  pipeline_output res;
  char buf[32 * 1024];
  for (;;) {
    auto n = out->read(std::as_writable_bytes(std::span(buf)));
    if (!n) {
      if (n.error() == errc::eof) break;
      kill_and_reap_all();
      return fail_exec(n.error(), "read pipeline output: " + n.error().message());
    }
    res.out.append(buf, *n);
  }
  auto st = wait(d);
  if (!st) {
    if (st.error() == errc::timeout) kill_and_reap_all();
    return fail_exec(st.error(), "wait pipeline: " + st.error().message());
  }
  res.statuses = std::move(*st);
  return res;
}

}  // namespace conduit::os
