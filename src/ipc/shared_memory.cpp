#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <conduit/ipc/ipc_error.hpp>
#include <conduit/ipc/shared_memory.hpp>
#include <string>

namespace conduit::ipc {
namespace {

// The name as a NUL-terminated string, after validation.
result<std::string> checked_name(std::string_view name) {
  if (auto v = validate_name(name); !v) return fail(v.error());
  return std::string(name);
}

result<std::size_t> fd_size(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail_errno(errno);
  if (st.st_size < 0) return fail_errno(EINVAL);
  return static_cast<std::size_t>(st.st_size);
}

}  // namespace

shared_memory::shared_memory(shared_memory&& o) noexcept
    : fd_(std::move(o.fd_)),
      addr_(std::exchange(o.addr_, nullptr)),
      size_(std::exchange(o.size_, 0)),
      writable_(o.writable_),
      created_(o.created_),
      name_(std::move(o.name_)) {}

shared_memory& shared_memory::operator=(shared_memory&& o) noexcept {
  if (this != &o) {
    unmap();
    fd_ = std::move(o.fd_);
    addr_ = std::exchange(o.addr_, nullptr);
    size_ = std::exchange(o.size_, 0);
    writable_ = o.writable_;
    created_ = o.created_;
    name_ = std::move(o.name_);
  }
  return *this;
}

shared_memory::~shared_memory() { unmap(); }

void shared_memory::unmap() noexcept {
  if (addr_ != nullptr) ::munmap(addr_, size_);
  addr_ = nullptr;
  size_ = 0;
  fd_.reset();
}

result<shared_memory> shared_memory::map(unique_fd fd, std::string name, bool writable,
                                         bool created) {
  auto size = fd_size(fd.get());
  if (!size) return fail(size.error());
  shared_memory m;
  if (*size > 0) {
    void* a = ::mmap(nullptr, *size, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED,
                     fd.get(), 0);
    if (a == MAP_FAILED) return fail_errno(errno);
    m.addr_ = static_cast<std::byte*>(a);
  }
  m.size_ = *size;
  m.fd_ = std::move(fd);
  m.writable_ = writable;
  m.created_ = created;
  m.name_ = std::move(name);
  return m;
}

result<shared_memory> shared_memory::create(std::string_view name, std::size_t size, mode_t mode) {
  auto n = checked_name(name);
  if (!n) return fail(n.error());
  unique_fd fd(::shm_open(n->c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd) return fail_errno(errno);
  if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
    int e = errno;
    ::shm_unlink(n->c_str());
    return fail_errno(e);
  }
  auto m = map(std::move(fd), std::move(*n), true, true);
  if (!m) ::shm_unlink(std::string(name).c_str());
  return m;
}

result<shared_memory> shared_memory::open(std::string_view name, access a) {
  auto n = checked_name(name);
  if (!n) return fail(n.error());
  const bool rw = a == access::read_write;
  unique_fd fd(::shm_open(n->c_str(), (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0));
  if (!fd) return fail_errno(errno);
  return map(std::move(fd), std::move(*n), rw, false);
}

result<shared_memory> shared_memory::open_or_create(std::string_view name, std::size_t size,
                                                    mode_t mode) {
  auto n = checked_name(name);
  if (!n) return fail(n.error());
  // Try to create first; if the name exists, open it. A creator that unlinks between our two
  // calls makes us loop (bounded: each round needs another process to win a race).
  for (int round = 0; round < 100; ++round) {
    auto c = create(*n, size, mode);
    if (c || c.error() != std::errc::file_exists) return c;
    auto o = open(*n);
    if (o || o.error() != std::errc::no_such_file_or_directory) return o;
  }
  return fail_errno(EAGAIN);
}

result<shared_memory> shared_memory::anonymous(std::size_t size, std::string_view debug_name) {
  std::string dn(debug_name.substr(0, 200));
  unique_fd fd(::memfd_create(dn.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd) return fail_errno(errno);
  if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) return fail_errno(errno);
  return map(std::move(fd), std::string(), true, true);
}

result<shared_memory> shared_memory::from_fd(unique_fd fd, access a) {
  if (!fd) return fail_errno(EBADF);
  int fl = ::fcntl(fd.get(), F_GETFD);
  if (fl < 0) return fail_errno(errno);
  if ((fl & FD_CLOEXEC) == 0) ::fcntl(fd.get(), F_SETFD, fl | FD_CLOEXEC);
  return map(std::move(fd), std::string(), a == access::read_write, false);
}

result<void> shared_memory::unlink(std::string_view name) {
  auto n = checked_name(name);
  if (!n) return fail(n.error());
  if (::shm_unlink(n->c_str()) != 0) return fail_errno(errno);
  return {};
}

result<unique_fd> shared_memory::dup_fd() const {
  if (!fd_) return fail(errc::closed);
  int d = ::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0);
  if (d < 0) return fail_errno(errno);
  return unique_fd(d);
}

result<void> shared_memory::resize(std::size_t new_size) {
  if (!fd_) return fail(errc::closed);
  if (!writable_) return fail_errno(EACCES);
  if (::ftruncate(fd_.get(), static_cast<off_t>(new_size)) != 0) return fail_errno(errno);
  return remap();
}

result<void> shared_memory::remap() {
  if (!fd_) return fail(errc::closed);
  auto size = fd_size(fd_.get());
  if (!size) return fail(size.error());
  if (*size == size_) return {};
  if (*size == 0) {
    ::munmap(addr_, size_);
    addr_ = nullptr;
  } else if (addr_ == nullptr) {
    void* a = ::mmap(nullptr, *size, writable_ ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED,
                     fd_.get(), 0);
    if (a == MAP_FAILED) return fail_errno(errno);
    addr_ = static_cast<std::byte*>(a);
  } else {
    void* a = ::mremap(addr_, size_, *size, MREMAP_MAYMOVE);
    if (a == MAP_FAILED) return fail_errno(errno);
    addr_ = static_cast<std::byte*>(a);
  }
  size_ = *size;
  return {};
}

result<void> shared_memory::add_seals(int seals_to_add) {
  if (!fd_) return fail(errc::closed);
  if (::fcntl(fd_.get(), F_ADD_SEALS, seals_to_add) != 0) return fail_errno(errno);
  return {};
}

result<int> shared_memory::seals() const {
  if (!fd_) return fail(errc::closed);
  int s = ::fcntl(fd_.get(), F_GET_SEALS);
  if (s < 0) return fail_errno(errno);
  return s;
}

result<std::byte*> shared_memory::check_place(std::size_t offset, std::size_t size,
                                              std::size_t align, bool write) const {
  if (write && !writable_) return fail(std::make_error_code(std::errc::permission_denied));
  if (offset > size_ || size > size_ - offset) {
    return fail(std::make_error_code(std::errc::result_out_of_range));
  }
  std::byte* p = addr_ + offset;
  if (reinterpret_cast<std::uintptr_t>(p) % align != 0) {
    return fail(std::make_error_code(std::errc::invalid_argument));
  }
  return p;
}

}  // namespace conduit::ipc
