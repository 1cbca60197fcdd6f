// ipc::message_queue over the poll descriptor: the queue descriptor is a pollable fd on
// Linux, so a full or empty queue waits through runtime::poll_fd like a pipe does.
//
// Deadlines: the poll descriptor keeps one deadline per side; message_queue's deadlines are
// per call. A call whose deadline has passed tries once (control(): no side taken, never
// waits); any other takes the side's local mutex (bounded by its deadline), sets the side's
// deadline to its own and runs poll_fd::io. The local mutex makes the side's deadline the
// one of the only call of that side inside io.
#include <fcntl.h>
#include <mqueue.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <conduit/ipc/message_queue.hpp>
#include <conduit/sync/mutex.hpp>
#include <string>

#include "runtime/poll_fd.hpp"

namespace conduit::ipc {

struct message_queue::state {
  state(unique_fd fd, long msgsize, std::string n, bool c)
      : raw_fd(fd.get()),
        pfd(std::move(fd)),
        message_size(msgsize),
        name(std::move(n)),
        created(c) {}
  const int raw_fd;  // valid for syscalls inside pfd's operations only
  runtime::poll_fd pfd;
  conduit::mutex send_mu;  // held by the one send waiting inside pfd.io
  conduit::mutex recv_mu;  // held by the one receive waiting inside pfd.io
  const long message_size;
  const std::string name;
  const bool created;
};

namespace {

// The NAME_MAX of the mqueue file system: the characters after the '/'.
constexpr std::size_t kMqNameMax = 255;

long read_proc_long(const char* path, long fallback) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fallback;
  char buf[32] = {};
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return fallback;
  char* end = nullptr;
  long v = std::strtol(buf, &end, 10);
  return end == buf ? fallback : v;
}

int open_flags(message_queue::access how) {
  switch (how) {
    case message_queue::access::read_only:
      return O_RDONLY;
    case message_queue::access::write_only:
      return O_WRONLY;
    case message_queue::access::read_write:
      break;
  }
  return O_RDWR;
}

// Explains a failed mq_open(O_CREAT) with attributes a.
std::error_code explain_create_error(int e, const mq_attr& a) {
  if (e == EINVAL) {
    if (a.mq_maxmsg > read_proc_long("/proc/sys/fs/mqueue/msg_max", LONG_MAX)) {
      return make_error_code(ipc_errc::mq_msg_max_exceeded);
    }
    if (a.mq_msgsize > read_proc_long("/proc/sys/fs/mqueue/msgsize_max", LONG_MAX)) {
      return make_error_code(ipc_errc::mq_msgsize_max_exceeded);
    }
  }
  if (e == ENOSPC) return make_error_code(ipc_errc::mq_queues_max_exceeded);
  if (e == EMFILE) {
    // EMFILE is either a full fd table or RLIMIT_MSGQUEUE; if an fd can still be made, it is
    // the latter.
    int probe = ::eventfd(0, EFD_CLOEXEC);
    if (probe >= 0) {
      ::close(probe);
      return make_error_code(ipc_errc::mq_bytes_limit_exceeded);
    }
  }
  return errno_code(e);
}

bool is_eagain(const std::error_code& ec) {
  return ec == std::errc::resource_unavailable_try_again || ec == std::errc::operation_would_block;
}

}  // namespace

message_queue::message_queue() noexcept = default;
message_queue::message_queue(std::unique_ptr<state> s) noexcept : s_(std::move(s)) {}
message_queue::message_queue(message_queue&&) noexcept = default;
message_queue& message_queue::operator=(message_queue&& o) noexcept {
  if (this != &o) {
    if (s_) (void)s_->pfd.close();
    s_ = std::move(o.s_);
  }
  return *this;
}
message_queue::~message_queue() = default;  // poll_fd's destructor closes

namespace {

// mq_open with the name already checked; returns the descriptor or an explained error.
result<unique_fd> do_open(const std::string& name, int flags, mode_t mode, mq_attr* attr) {
  mqd_t q = ::mq_open(name.c_str(), flags | O_NONBLOCK | O_CLOEXEC, mode, attr);
  if (q == static_cast<mqd_t>(-1)) {
    int e = errno;
    if ((flags & O_CREAT) != 0 && attr != nullptr) return fail(explain_create_error(e, *attr));
    return fail_errno(e);
  }
  return unique_fd(q);
}

}  // namespace

result<message_queue> message_queue::adopt(int fd, std::string name, bool created) {
  unique_fd owned(fd);
  mq_attr a{};
  if (::mq_getattr(fd, &a) != 0) return fail_errno(errno);
  return message_queue(
      std::make_unique<state>(std::move(owned), a.mq_msgsize, std::move(name), created));
}

result<message_queue> message_queue::create(std::string_view name, const options& o) {
  if (auto v = validate_name(name, kMqNameMax); !v) return fail(v.error());
  if (o.max_messages < 0 || o.message_size < 0) return fail_errno(EINVAL);
  mq_attr a{};
  a.mq_maxmsg =
      o.max_messages > 0 ? o.max_messages : read_proc_long("/proc/sys/fs/mqueue/msg_default", 10);
  a.mq_msgsize = o.message_size > 0 ? o.message_size
                                    : read_proc_long("/proc/sys/fs/mqueue/msgsize_default", 8192);
  std::string n(name);
  auto fd = do_open(n, open_flags(o.how) | O_CREAT | O_EXCL, o.mode, &a);
  if (!fd) return fail(fd.error());
  auto q = adopt(fd->release(), n, true);
  if (!q) ::mq_unlink(n.c_str());
  return q;
}

result<message_queue> message_queue::open(std::string_view name, access how) {
  if (auto v = validate_name(name, kMqNameMax); !v) return fail(v.error());
  std::string n(name);
  auto fd = do_open(n, open_flags(how), 0, nullptr);
  if (!fd) return fail(fd.error());
  return adopt(fd->release(), std::move(n), false);
}

result<message_queue> message_queue::open_or_create(std::string_view name, const options& o) {
  if (auto v = validate_name(name, kMqNameMax); !v) return fail(v.error());
  // Exactly one of several concurrent callers creates; a queue unlinked between our two
  // attempts makes us try again (each round needs another process to win a race).
  for (int round = 0; round < 100; ++round) {
    auto c = create(name, o);
    if (c || c.error() != std::errc::file_exists) return c;
    auto q = open(name, o.how);
    if (q || q.error() != std::errc::no_such_file_or_directory) return q;
  }
  return fail_errno(EAGAIN);
}

result<void> message_queue::unlink(std::string_view name) {
  if (auto v = validate_name(name, kMqNameMax); !v) return fail(v.error());
  if (::mq_unlink(std::string(name).c_str()) != 0) return fail_errno(errno);
  return {};
}

namespace {

// Runs op (mq_send or mq_receive on the non-blocking descriptor) for one call: once, without
// waiting, if d has passed (the try_ forms); else through the poll descriptor's I/O loop, with
// side's deadline set to d while this call holds side's mutex.
result<std::size_t> run_op(runtime::poll_fd& pfd, runtime::poll_fd::side side, conduit::mutex& mu,
                           deadline d, internal::function_ref<ssize_t()> op) noexcept {
  if (d.passed()) {
    auto r = pfd.control(op);
    if (!r && is_eagain(r.error())) return fail(errc::timeout);
    return r;
  }
  if (!mu.try_lock_until(d)) return fail(errc::timeout);
  pfd.set_deadline(side, d);
  auto r = pfd.io(side, op);
  mu.unlock();
  return r;
}

}  // namespace

result<void> message_queue::send(std::span<const std::byte> msg, unsigned priority,
                                 deadline d) noexcept {
  if (!s_) return fail(errc::closed);
  state& s = *s_;
  if (msg.size() > static_cast<std::size_t>(s.message_size)) {
    return fail(errc::message_too_large);
  }
  auto r = run_op(s.pfd, runtime::poll_fd::side::write, s.send_mu, d, [&]() -> ssize_t {
    return ::mq_send(s.raw_fd, reinterpret_cast<const char*>(msg.data()), msg.size(), priority);
  });
  if (r) return {};
  if (r.error() == std::errc::message_size) return fail(errc::message_too_large);
  return fail(r.error());
}

result<void> message_queue::try_send(std::span<const std::byte> msg, unsigned priority) noexcept {
  auto r = send(msg, priority, deadline::past());
  if (!r && r.error() == errc::timeout) return fail(errc::would_block);
  return r;
}

result<message_queue::received> message_queue::receive(std::span<std::byte> buf,
                                                       deadline d) noexcept {
  if (!s_) return fail(errc::closed);
  state& s = *s_;
  if (buf.size() < static_cast<std::size_t>(s.message_size)) {
    return fail(make_error_code(ipc_errc::buffer_too_small));
  }
  unsigned prio = 0;
  auto r = run_op(s.pfd, runtime::poll_fd::side::read, s.recv_mu, d, [&]() -> ssize_t {
    return ::mq_receive(s.raw_fd, reinterpret_cast<char*>(buf.data()), buf.size(), &prio);
  });
  if (!r) {
    if (r.error() == std::errc::message_size) {
      return fail(make_error_code(ipc_errc::buffer_too_small));
    }
    return fail(r.error());
  }
  return received{*r, prio};
}

result<message_queue::received> message_queue::try_receive(std::span<std::byte> buf) noexcept {
  auto r = receive(buf, deadline::past());
  if (!r && r.error() == errc::timeout) return fail(errc::would_block);
  return r;
}

result<message_queue::attributes> message_queue::get_attributes() const noexcept {
  if (!s_) return fail(errc::closed);
  mq_attr a{};
  auto r = s_->pfd.control([&]() -> ssize_t { return ::mq_getattr(s_->raw_fd, &a); });
  if (!r) return fail(r.error());
  return attributes{a.mq_maxmsg, a.mq_msgsize, a.mq_curmsgs};
}

long message_queue::message_size() const noexcept { return s_ ? s_->message_size : 0; }

const std::string& message_queue::name() const noexcept {
  static const std::string empty;
  return s_ ? s_->name : empty;
}

bool message_queue::created() const noexcept { return s_ && s_->created; }

int message_queue::fd() const noexcept { return s_ ? s_->pfd.fd() : -1; }

result<void> message_queue::close() noexcept {
  if (!s_) return fail(errc::closed);
  return s_->pfd.close();
}

}  // namespace conduit::ipc
