#include <fcntl.h>
#include <unistd.h>

#include <conduit/ipc/ipc_error.hpp>
#include <string>

namespace conduit::ipc {
namespace {

// The first line of a small /proc file, or "?" if it cannot be read.
std::string read_limit(const char* path) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "?";
  char buf[32];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return "?";
  std::string s(buf, static_cast<std::size_t>(n));
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "conduit.ipc"; }
  std::string message(int ev) const override {
    switch (static_cast<ipc_errc>(ev)) {
      case ipc_errc::name_empty:
        return "IPC name is empty: a name is '/' followed by 1 to 251 characters";
      case ipc_errc::name_not_absolute:
        return "IPC name must begin with '/' (as \"/jobs\")";
      case ipc_errc::name_has_slash:
        return "IPC name must not contain '/' after the first character";
      case ipc_errc::name_invalid:
        return "IPC name must not contain NUL and must not be \"/.\" or \"/..\"";
      case ipc_errc::name_too_long:
        return "IPC name is too long: at most 251 characters after the '/'";
      case ipc_errc::mq_msg_max_exceeded:
        return "max_messages is above the system limit /proc/sys/fs/mqueue/msg_max (" +
               read_limit("/proc/sys/fs/mqueue/msg_max") +
               "): ask for fewer, or raise it with sysctl fs.mqueue.msg_max";
      case ipc_errc::mq_msgsize_max_exceeded:
        return "message_size is above the system limit /proc/sys/fs/mqueue/msgsize_max (" +
               read_limit("/proc/sys/fs/mqueue/msgsize_max") +
               "): ask for less, or raise it with sysctl fs.mqueue.msgsize_max";
      case ipc_errc::mq_queues_max_exceeded:
        return "the system already holds /proc/sys/fs/mqueue/queues_max (" +
               read_limit("/proc/sys/fs/mqueue/queues_max") +
               ") message queues: unlink unused ones, or raise it with sysctl "
               "fs.mqueue.queues_max";
      case ipc_errc::mq_bytes_limit_exceeded:
        return "the user's message queues would exceed RLIMIT_MSGQUEUE (ulimit -q), counted "
               "as max_messages * (message_size + pointer size) over all the user's queues: "
               "ask for smaller queues, unlink unused ones, or raise the limit";
      case ipc_errc::buffer_too_small:
        return "receive buffer is smaller than the largest message the queue can hold; "
               "nothing was taken";
      case ipc_errc::size_mismatch:
        return "received message is not the size of the requested type";
    }
    return "unknown conduit.ipc error " + std::to_string(ev);
  }
  std::error_condition default_error_condition(int ev) const noexcept override {
    switch (static_cast<ipc_errc>(ev)) {
      case ipc_errc::name_empty:
      case ipc_errc::name_not_absolute:
      case ipc_errc::name_has_slash:
      case ipc_errc::name_invalid:
      case ipc_errc::mq_msg_max_exceeded:
      case ipc_errc::mq_msgsize_max_exceeded:
        return std::errc::invalid_argument;
      case ipc_errc::name_too_long:
        return std::errc::filename_too_long;
      case ipc_errc::mq_queues_max_exceeded:
        return std::errc::no_space_on_device;
      case ipc_errc::mq_bytes_limit_exceeded:
        return std::errc::too_many_files_open;
      case ipc_errc::buffer_too_small:
        return std::errc::message_size;
      case ipc_errc::size_mismatch:
        return std::errc::bad_message;
    }
    return std::error_condition(ev, *this);
  }
};

}  // namespace

const std::error_category& ipc_category() noexcept {
  static const category c;
  return c;
}

std::error_code make_error_code(ipc_errc e) noexcept {
  return std::error_code(static_cast<int>(e), ipc_category());
}

result<void> validate_name(std::string_view name, std::size_t max_length) noexcept {
  if (name.empty() || name == "/") return fail(make_error_code(ipc_errc::name_empty));
  if (name.front() != '/') return fail(make_error_code(ipc_errc::name_not_absolute));
  std::string_view rest = name.substr(1);
  if (rest.find('/') != std::string_view::npos) {
    return fail(make_error_code(ipc_errc::name_has_slash));
  }
  if (rest.find('\0') != std::string_view::npos || rest == "." || rest == "..") {
    return fail(make_error_code(ipc_errc::name_invalid));
  }
  if (rest.size() > max_length) return fail(make_error_code(ipc_errc::name_too_long));
  return {};
}

}  // namespace conduit::ipc
