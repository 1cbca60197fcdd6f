// os::command (Go's os/exec.Cmd) and os::pipeline (a shell pipeline without a shell).
//
//   // ps aux | grep conduit, and every stage's status (bash's PIPESTATUS):
//   conduit::os::pipeline p(conduit::os::command("ps", {"aux"}),
//                           conduit::os::command("grep", {"conduit"}));
//   auto out = p.output(conduit::deadline::after(std::chrono::seconds(10)));
//   if (!out) { std::fprintf(stderr, "%s\n", out.error().what().c_str()); return 1; }
//   std::fputs(out->out.c_str(), stdout);     // out->statuses: {exit status 0, exit status 0}
//
//   // A command with a pipe to its stdin:
//   conduit::os::command sort("sort");
//   auto in = sort.stdin_pipe();              // result<os::file>: the parent's end
//   auto res = sort.start();                  // fails here if "sort" cannot be run
//   (void)in->write("b\na\n");
//   (void)in->close();                        // sort sees the end of its input
//   auto st = sort.wait();
//
// Starting: the program is looked up in $PATH (of this process, as Go) unless its name has a
// '/'; a name found only relative to the current directory (an empty or "." element of
// $PATH) is refused, as Go's exec.ErrDot. The child is started with posix_spawn(3): it
// inherits no fd but 0, 1, 2 and the extra files given (everything else is closed in the
// child, whatever its close-on-exec flag), starts with every signal at its default
// disposition (except glibc's two internal signals 32 and 33, which glibc's posix_spawn
// leaves ignored; no application can use them) and an empty signal mask, and an exec
// failure (ENOENT, EACCES, ENOEXEC, a bad working directory) is returned by start(), never
// seen later as exit status 127.
//
// Errors at the edges carry context, as Go's: start, run, output and combined_output return
// an os::exec_error, which holds the error_code (code()) and a message saying what failed
// (what()): `exec: "nosuchprog": executable file not found in $PATH`,
// `fork/exec /etc/passwd: Permission denied`, `chdir /nope: No such file or directory`.
// wait and signal return plain error codes.
//
// A non-zero exit is not an error here (unlike Go's *ExitError): run, wait and output return
// the exit_status; check status.success().
//
// Waiting uses the child's pidfd through the runtime: deadlines cost no thread. run, output
// and combined_output kill (SIGKILL; the whole group with new_process_group()) and reap a
// child that is still running at their deadline, as Go's CommandContext does; wait leaves it
// running.
//
// Thread safety: a command is configured and started by one thread; after start, process()
// may be used from any thread (see os::process), and wait from one.
#ifndef CONDUIT_OS_EXEC_HPP
#define CONDUIT_OS_EXEC_HPP

#include <conduit/error.hpp>
#include <conduit/fd.hpp>
#include <conduit/os/file.hpp>
#include <conduit/os/process.hpp>
#include <conduit/result.hpp>
#include <conduit/time.hpp>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace conduit::os {

// An error of start (and of run, output, combined_output), with Go-style context.
// Thread safety: a value type.
class exec_error {
 public:
  exec_error(std::error_code code, std::string what) : code_(code), what_(std::move(what)) {}
  // The underlying code: ENOENT (not found: no such file, or not in $PATH), EACCES,
  // ENOEXEC, errc::timeout, ...
  [[nodiscard]] const std::error_code& code() const noexcept { return code_; }
  // The whole message, e.g. `exec: "nosuchprog": executable file not found in $PATH`.
  [[nodiscard]] const std::string& what() const noexcept { return what_; }

 private:
  std::error_code code_;
  std::string what_;
};

// Where one of a child's standard streams (or an extra fd) comes from.
// Thread safety: a value type (move-only when it owns an fd).
class stdio {
 public:
  // The child shares this process's fd (the default for 0, 1 and 2).
  [[nodiscard]] static stdio inherit() noexcept { return stdio(mode::inherit, -1); }
  // The child gets /dev/null (Go's nil Stdin / Stdout).
  [[nodiscard]] static stdio null() noexcept { return stdio(mode::null, -1); }
  // The child gets f's open file. The command owns it from now on and closes its copy once
  // the child has started (Go's *os.File as Stdin). f is put back in blocking mode.
  [[nodiscard]] static stdio from(file f) noexcept;
  // The child gets an fd of this process, which stays open and stays the caller's.
  [[nodiscard]] static stdio fd(int borrowed) noexcept { return stdio(mode::borrowed, borrowed); }

  stdio(stdio&&) noexcept = default;
  stdio& operator=(stdio&&) noexcept = default;

 private:
  friend class command;
  friend class pipeline;
  enum class mode : unsigned char { inherit, null, owned, borrowed };
  stdio(mode m, int fd) noexcept : mode_(m), fd_(fd) {}
  mode mode_;
  int fd_;         // borrowed
  unique_fd own_;  // owned
};

// What output() and combined_output() return.
// Thread safety: a value type.
struct command_output {
  std::string out;     // everything the child wrote to stdout (and stderr, if combined)
  exit_status status;  // how it ended
};

// A command to run (Go's exec.Cmd). Configure, then start (or run / output); one command
// starts one child, once.
// Thread safety: see the file overview.
class command {
 public:
  // The program `name` (looked up in $PATH unless it has a '/') with arguments args; the
  // child's argv[0] is name, as Go's exec.Command.
  explicit command(std::string name, std::vector<std::string> args = {});
  command(command&&) noexcept;
  command& operator=(command&&) noexcept;
  command(const command&) = delete;
  command& operator=(const command&) = delete;
  // Closes the pipe ends and files the command still holds; a started child is left
  // running (see os::process).
  ~command();

  // The child's working directory (Go's Dir). Default: this process's.
  command& dir(std::filesystem::path d);
  // Replaces the child's whole environment with kv ("KEY=value" strings; Go's Env).
  command& env(std::vector<std::string> kv);
  // Sets KEY=value in the child's environment, on top of the inherited (or replaced) one;
  // a later setting of a key wins.
  command& set_env(std::string_view key, std::string_view value);
  // Removes KEY from the child's environment.
  command& unset_env(std::string_view key);
  // Where the child's stdin, stdout and stderr come from. Default: inherit.
  command& stdin_from(stdio s);
  command& stdout_to(stdio s);
  command& stderr_to(stdio s);
  // Gives the child one more fd: the i-th extra file becomes fd 3 + i (Go's ExtraFiles).
  command& extra_file(stdio s);
  // Starts the child in a new process group that it leads (Go's SysProcAttr.Setpgid), so
  // that process().signal_group() reaches it and everything it starts.
  command& new_process_group(bool on = true);

  // A pipe to the child's stdin / from its stdout / from its stderr (Go's StdinPipe,
  // StdoutPipe, StderrPipe). Returns this process's end; the child's end is closed here once
  // the child starts. Close the stdin end to give the child the end of its input. Unlike
  // Go's, wait() does not close these ends: they are the caller's files.
  // Blocks: never.
  // Errors: std::errc::invalid_argument (already started, or that stream already set),
  //         EMFILE / ENFILE.
  [[nodiscard]] result<file> stdin_pipe();
  [[nodiscard]] result<file> stdout_pipe();
  [[nodiscard]] result<file> stderr_pipe();

  // Starts the child (Go's Start).
  // Blocks: while the child is created and execs (posix_spawn waits for the exec).
  // Errors: ENOENT (`exec: "x": executable file not found in $PATH`, or no such file),
  //         EACCES, ENOEXEC, ENOTDIR, E2BIG, EAGAIN, ENOMEM, EMFILE, the chdir errors
  //         (`chdir <dir>: ...`), std::errc::invalid_argument (`exec: already started`,
  //         `exec: no command`, or a name found relative to the current directory).
  [[nodiscard]] result<void, exec_error> start();

  // Waits for the started child to exit (Go's Wait, without its closing of pipes).
  // Blocks / Errors / Deadline: as os::process::wait (ESRCH if not started).
  [[nodiscard]] result<exit_status> wait(deadline d = deadline::never()) noexcept;

  // start, then wait. At the deadline the child is killed and reaped, and the error is
  // errc::timeout.
  // Blocks: until the child exits or the deadline. Errors: start's, wait's, errc::timeout.
  [[nodiscard]] result<exit_status, exec_error> run(deadline d = deadline::never());

  // Runs the command and collects its stdout (Go's Output); stderr stays as configured.
  // Blocks: until the child exits and closes its stdout, or the deadline (then the child is
  //         killed and reaped: errc::timeout).
  // Errors: as run, std::errc::invalid_argument if stdout was already set, read errors.
  [[nodiscard]] result<command_output, exec_error> output(deadline d = deadline::never());
  // As output, with stderr going to the same pipe as stdout (Go's CombinedOutput).
  [[nodiscard]] result<command_output, exec_error> combined_output(deadline d = deadline::never());

  // The started child. Before start it is a process with no child (calls fail with ESRCH).
  [[nodiscard]] os::process& process() noexcept { return proc_; }
  // Whether start has succeeded.
  [[nodiscard]] bool started() const noexcept { return started_; }
  // The program path start runs (after the $PATH lookup, once started; else the name).
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  // The arguments, without argv[0].
  [[nodiscard]] const std::vector<std::string>& args() const noexcept { return args_; }
  // The command line for messages: path and arguments joined by spaces (Go's Cmd.String).
  [[nodiscard]] std::string string() const;

 private:
  friend class pipeline;
  result<file> make_pipe(int slot);
  [[nodiscard]] bool slot_set(int slot) const noexcept;
  result<command_output, exec_error> collect(deadline d, bool combined);
  void kill_and_reap() noexcept;
  void close_child_ends() noexcept;

  std::string name_;
  std::string path_;
  std::vector<std::string> args_;
  std::filesystem::path dir_;
  std::optional<std::vector<std::string>> env_;
  std::vector<std::pair<std::string, std::optional<std::string>>> env_edits_;
  std::vector<stdio> slots_;  // 0, 1, 2, then the extra files
  bool new_group_ = false;
  bool started_ = false;
  os::process proc_;
};

// What pipeline::output() returns.
// Thread safety: a value type.
struct pipeline_output {
  std::string out;                    // the last stage's stdout
  std::vector<exit_status> statuses;  // every stage's status, in order (bash's PIPESTATUS)
  // Whether every stage succeeded (bash's `set -o pipefail` view).
  [[nodiscard]] bool success() const noexcept {
    for (const exit_status& s : statuses) {
      if (!s.success()) return false;
    }
    return true;
  }
};

// Commands connected stdout to stdin, as a shell's `a | b | c`, with no shell. Each stage is
// an os::command: configure it before start (its stdin, for all but the first, and its
// stdout, for all but the last, belong to the pipeline). The parent keeps no end of the
// pipes between stages, so each stage sees the end of its input when the one before it
// exits, and a stage writing to a stage that has exited gets SIGPIPE (its default), as in a
// shell.
//
// The DESIGN's `os::pipeline({cmd1, cmd2})` cannot be written with move-only commands in C++
// (an initializer_list copies): the stages are given as arguments, or as a vector.
// Thread safety: one thread configures, starts and waits; stage(i).process() may be
// signalled from any thread.
class pipeline {
 public:
  template <class... C>
  requires(sizeof...(C) > 0 && (std::is_same_v<std::remove_cvref_t<C>, command> &&
                                ...)) explicit pipeline(C&&... stages) {
    stages_.reserve(sizeof...(C));
    (stages_.push_back(std::move(stages)), ...);
  }
  explicit pipeline(std::vector<command> stages) noexcept : stages_(std::move(stages)) {}

  [[nodiscard]] std::size_t size() const noexcept { return stages_.size(); }
  // Stage i, to configure before start or to signal after. Precondition: i < size().
  [[nodiscard]] command& stage(std::size_t i) noexcept { return stages_[i]; }

  // Connects and starts every stage, first to last. If one cannot start, the stages already
  // started are killed and reaped, and the error names the failing stage's program.
  // Blocks: as command::start per stage.
  // Errors: as command::start; std::errc::invalid_argument (no stage, a connected stream
  //         already set).
  [[nodiscard]] result<void, exec_error> start();

  // Waits for every stage and returns their statuses in order.
  // Blocks: until every stage exits, or the deadline (the stages keep running).
  // Errors: as command::wait.
  [[nodiscard]] result<std::vector<exit_status>> wait(deadline d = deadline::never()) noexcept;

  // start, then wait; at the deadline every stage is killed and reaped (errc::timeout).
  [[nodiscard]] result<std::vector<exit_status>, exec_error> run(deadline d = deadline::never());

  // Runs the pipeline and collects the last stage's stdout, with every status.
  // Blocks: until every stage exits and the last closes its stdout, or the deadline (then
  // every stage is killed and reaped: errc::timeout).
  [[nodiscard]] result<pipeline_output, exec_error> output(deadline d = deadline::never());

 private:
  void kill_and_reap_all() noexcept;
  std::vector<command> stages_;
};

}  // namespace conduit::os

#endif  // CONDUIT_OS_EXEC_HPP
