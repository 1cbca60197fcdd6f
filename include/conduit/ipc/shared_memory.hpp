// ipc::shared_memory: a POSIX shared memory object (shm_open, under /dev/shm) or an anonymous
// one (memfd_create), mapped into this process. The mapping is owned (unmapped and the fd
// closed on destruction) and seen as std::span<std::byte>. It is what Go programs build from
// syscall.Mmap over a /dev/shm file; Linux: shm_open(3), memfd_create(2), mmap(2).
//
//   // process A
//   auto mem = conduit::ipc::shared_memory::create("/frames", 1 << 20);   // mode 0600
//   if (!mem) return mem.error();
//   std::memcpy(mem->data().data(), frame, n);
//   // process B
//   auto view = conduit::ipc::shared_memory::open("/frames");
//   // either, when done with the name (mappings stay valid)
//   (void)conduit::ipc::shared_memory::unlink("/frames");
//
// Anonymous objects have no name: pass fd() to another process over a Unix socket (SCM_RIGHTS:
// net::unix_conn::send_fds) or across exec, and rebuild it there with from_fd(). They can be
// sealed (memfd seals: F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE, F_SEAL_SEAL) so that the
// receiver knows the sender cannot shrink it under its feet.
//
// Names follow ipc::validate_name ("/" + 1..251 characters, no other '/'). Objects are
// created with mode 0600 (owner read/write) unless asked otherwise, as filtered by the umask.
// A created object is zero-filled. Every fd is close-on-exec.
//
// Placement: process-shared objects (ipc::process_mutex, process_cond, atomics) are built
// inside the mapping with construct<T>(offset) and found by other processes with
// get<T>(offset); both check bounds and alignment.
//
// SIGBUS: if another process shrinks the object below this mapping, touching the lost pages
// raises SIGBUS; that is POSIX shared memory. Against untrusted peers use an anonymous object
// sealed with F_SEAL_SHRINK.
//
// Thread safety: const members may be called from any thread concurrently; resize(), remap(),
// add_seals() and move/destruction must not run concurrently with any other call (they may
// move the mapping, which invalidates data()).
#ifndef CONDUIT_IPC_SHARED_MEMORY_HPP
#define CONDUIT_IPC_SHARED_MEMORY_HPP

#include <sys/types.h>

#include <conduit/fd.hpp>
#include <conduit/result.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace conduit::ipc {

class shared_memory {
 public:
  enum class access : std::uint8_t { read_only, read_write };

  // No object: data() is empty, fd() is -1.
  shared_memory() noexcept = default;
  shared_memory(shared_memory&& o) noexcept;
  shared_memory& operator=(shared_memory&& o) noexcept;
  shared_memory(const shared_memory&) = delete;
  shared_memory& operator=(const shared_memory&) = delete;
  // Unmaps and closes the fd. The named object stays until unlink().
  ~shared_memory();

  // Creates the object `name` (it must not exist: exclusive), sizes it to `size` bytes
  // (zero-filled), and maps it read-write.
  // Blocks: never. Errors: an ipc_errc for a bad name, EEXIST (the name exists), EACCES,
  // EMFILE/ENFILE, ENOSPC/ENOMEM (no room in /dev/shm), the errno of shm_open/ftruncate/mmap.
  [[nodiscard]] static result<shared_memory> create(std::string_view name, std::size_t size,
                                                    mode_t mode = 0600);

  // Opens the existing object `name` and maps all of it (its size at this moment).
  // Blocks: never. Errors: an ipc_errc for a bad name, ENOENT, EACCES, the errno of
  // shm_open/fstat/mmap.
  [[nodiscard]] static result<shared_memory> open(std::string_view name,
                                                  access a = access::read_write);

  // Opens `name` if it exists (mapping its current size, whatever `size` says), else creates
  // it with `size` bytes; created() says which happened. Safe against a concurrent creator:
  // exactly one caller creates.
  // Blocks: never. Errors: as create and open.
  [[nodiscard]] static result<shared_memory> open_or_create(std::string_view name, std::size_t size,
                                                            mode_t mode = 0600);

  // Creates an anonymous object of `size` bytes (memfd_create with MFD_ALLOW_SEALING):
  // nameless, gone when the last fd and mapping are. debug_name shows in /proc/<pid>/fd.
  // Blocks: never. Errors: the errno of memfd_create/ftruncate/mmap.
  [[nodiscard]] static result<shared_memory> anonymous(std::size_t size,
                                                       std::string_view debug_name = "conduit");

  // Adopts fd (a memfd or shm fd received from another process) and maps all of it. The fd
  // is made close-on-exec. On failure fd is closed.
  // Blocks: never. Errors: EBADF, the errno of fstat/mmap.
  [[nodiscard]] static result<shared_memory> from_fd(unique_fd fd, access a = access::read_write);

  // Removes the name; existing mappings and fds stay valid.
  // Blocks: never. Errors: an ipc_errc for a bad name, ENOENT, EACCES.
  [[nodiscard]] static result<void> unlink(std::string_view name);

  // The mapping (empty for a size-0 object). Writing into a read_only mapping faults.
  [[nodiscard]] std::span<std::byte> data() const noexcept { return {addr_, size_}; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool valid() const noexcept { return fd_.valid(); }
  [[nodiscard]] bool writable() const noexcept { return writable_; }
  // The name given to create/open ("" for anonymous and from_fd objects).
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  // Whether open_or_create (or create, or anonymous) made the object.
  [[nodiscard]] bool created() const noexcept { return created_; }
  // The fd, owned by this object (-1 if none). To pass it on, send it (SCM_RIGHTS copies it)
  // or take a duplicate with dup_fd().
  [[nodiscard]] int fd() const noexcept { return fd_.get(); }

  // A close-on-exec duplicate of fd(), for a child process or another owner.
  // Blocks: never. Errors: errc::closed (no object), EMFILE.
  [[nodiscard]] result<unique_fd> dup_fd() const;

  // Sets the object's size (ftruncate) and remaps this view to it; data() may move.
  // Other processes keep their mapping size until they remap().
  // Blocks: never. Errors: errc::closed, EPERM (sealed against it), EINVAL/EFBIG, ENOMEM,
  // EACCES (read_only), the errno of ftruncate/mremap.
  [[nodiscard]] result<void> resize(std::size_t new_size);

  // Remaps this view to the object's current size (after another process resized it).
  // Blocks: never. Errors: errc::closed, the errno of fstat/mremap.
  [[nodiscard]] result<void> remap();

  // Adds memfd seals (F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE, ...).
  // F_SEAL_WRITE needs no writable shared mapping to exist: seal before mapping elsewhere,
  // or expect EBUSY. Blocks: never. Errors: errc::closed, EPERM (sealed against sealing),
  // EINVAL (not a memfd), EBUSY.
  [[nodiscard]] result<void> add_seals(int seals);
  // The seals in force. Errors: errc::closed, EINVAL (not a memfd, or no sealing allowed).
  [[nodiscard]] result<int> seals() const;

  // Builds a T at byte `offset` of the mapping (placement new) and returns it. The caller
  // makes sure no other process uses those bytes as a T before this returns.
  // Blocks: as T's constructor. Errors: std::errc::result_out_of_range (does not fit),
  // std::errc::invalid_argument (offset misaligned for T), std::errc::permission_denied
  // (read_only).
  template <class T, class... Args>
  [[nodiscard]] result<T*> construct(std::size_t offset, Args&&... args) {
    auto p = check_place(offset, sizeof(T), alignof(T), true);
    if (!p) return fail(p.error());
    return ::new (static_cast<void*>(*p)) T(std::forward<Args>(args)...);
  }

  // The T that construct<T>(offset) built, possibly in another process.
  // Blocks: never. Errors: as construct (read_only is fine).
  template <class T>
  [[nodiscard]] result<T*> get(std::size_t offset) const {
    auto p = check_place(offset, sizeof(T), alignof(T), false);
    if (!p) return fail(p.error());
    return std::launder(reinterpret_cast<T*>(*p));
  }

 private:
  [[nodiscard]] result<std::byte*> check_place(std::size_t offset, std::size_t size,
                                               std::size_t align, bool write) const;
  [[nodiscard]] static result<shared_memory> map(unique_fd fd, std::string name, bool writable,
                                                 bool created);
  void unmap() noexcept;

  unique_fd fd_;
  std::byte* addr_ = nullptr;
  std::size_t size_ = 0;
  bool writable_ = false;
  bool created_ = false;
  std::string name_;
};

}  // namespace conduit::ipc

#endif  // CONDUIT_IPC_SHARED_MEMORY_HPP
