// libFuzzer target: a hostile peer of an ipc::shm_ring. The input is a small program that
// interleaves writes of arbitrary bytes into the ring's control block and records with
// non-blocking operations of every end (and re-opens, which validate the control block).
// Any out-of-bounds access (ASan), undefined behaviour (UBSan), crash, hang (-timeout) or an
// error outside the documented list is a finding.
//
// Built and run by fuzz/run.sh (clang, -fsanitize=fuzzer,address,undefined), which
// scripts/test.sh calls for a bounded time.
#include <unistd.h>

#include <conduit/ipc/ipc_error.hpp>
#include <conduit/ipc/shm_ring.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

namespace {

using namespace conduit;
using namespace conduit::ipc;

// Reads the program's bytes; past the end, zeros.
class input {
 public:
  input(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
  bool done() const { return i_ >= n_; }
  std::uint8_t u8() { return i_ < n_ ? d_[i_++] : 0; }
  std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | (u8() << 8)); }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int k = 0; k < 8; ++k) v |= std::uint64_t{u8()} << (8 * k);
    return v;
  }

 private:
  const std::uint8_t* d_;
  std::size_t n_;
  std::size_t i_ = 0;
};

void require_clean(const std::error_code& ec, const char* what) {
  if (!ec) return;
  const std::error_code allowed[] = {
      make_error_code(errc::would_block),
      make_error_code(errc::corrupt),
      make_error_code(errc::eof),
      make_error_code(errc::owner_dead),
      make_error_code(errc::closed_pipe),
      make_error_code(errc::closed),
      make_error_code(errc::message_too_large),
      make_error_code(errc::timeout),
      make_error_code(ipc_errc::buffer_too_small),
      std::make_error_code(std::errc::device_or_resource_busy),
      std::make_error_code(std::errc::invalid_argument),
      errno_code(EUSERS),
  };
  for (const auto& a : allowed) {
    if (ec == a) return;
  }
  std::fprintf(stderr, "shm_ring_fuzz: %s: unexpected error %s (%s)\n", what, ec.category().name(),
               ec.message().c_str());
  std::abort();
}

template <class T>
std::error_code err_of(const result<T>& r) {
  return r ? std::error_code() : r.error();
}

// The ends of one view of the ring (all of them: one process may play every role).
struct ends {
  std::optional<shm_stream_writer> writer;
  std::optional<shm_stream_reader> reader;
  std::optional<shm_message_sender> sender;
  std::optional<shm_message_receiver> receiver;

  void attach(const shm_ring& ring) {
    if (ring.kind() == ring_kind::stream) {
      auto w = shm_stream_writer::attach(ring);
      require_clean(err_of(w), "attach writer");
      if (w) writer.emplace(std::move(*w));
      auto r = shm_stream_reader::attach(ring);
      require_clean(err_of(r), "attach reader");
      if (r) reader.emplace(std::move(*r));
    } else {
      auto s = shm_message_sender::attach(ring);
      require_clean(err_of(s), "attach sender");
      if (s) sender.emplace(std::move(*s));
      auto r = shm_message_receiver::attach(ring);
      require_clean(err_of(r), "attach receiver");
      if (r) receiver.emplace(std::move(*r));
    }
  }
};

std::vector<std::byte>& scratch() {
  static std::vector<std::byte> b(70000);
  return b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  input in(data, size);
  const ring_kind kind = (in.u8() & 1) != 0 ? ring_kind::message : ring_kind::stream;
  const std::size_t cap = std::size_t{4096} << (in.u8() % 3);
  auto mem = shared_memory::anonymous(0, "fuzz");
  if (!mem) return 0;  // out of fds or memory: not a finding
  auto ring = shm_ring::create(std::move(*mem), kind, cap);
  if (!ring) return 0;
  std::byte* base = ring->memory().data().data();
  const std::size_t mapped = ring->memory().size();
  auto& buf = scratch();

  ends e;
  if ((in.u8() & 1) != 0) e.attach(*ring);
  std::optional<shm_ring> view2;
  ends e2;

  for (int step = 0; step < 64 && !in.done(); ++step) {
    switch (in.u8() % 8) {
      case 0:
      case 1: {  // scribble into the control block (mostly its live part) or the data
        std::size_t off = in.u16();
        off = (in.u8() & 3) != 0 ? off % 320 : off % mapped;
        std::uint64_t v = in.u64();
        std::size_t len = 1 + in.u8() % 8;
        len = std::min(len, mapped - off);
        std::memcpy(base + off, &v, len);
        break;
      }
      case 2: {
        std::size_t n = in.u16() % (cap + 64);
        for (std::size_t k = 0; k < n; ++k) buf[k] = static_cast<std::byte>(k);
        if (e.writer) require_clean(e.writer->try_write(std::span(buf.data(), n)).err, "write");
        if (e.sender) require_clean(err_of(e.sender->try_send(std::span(buf.data(), n))), "send");
        break;
      }
      case 3: {
        std::size_t n = in.u16() % (cap + 64);
        if (e.reader) require_clean(err_of(e.reader->try_read(std::span(buf.data(), n))), "read");
        if (e.receiver) {
          require_clean(err_of(e.receiver->try_receive(std::span(buf.data(), n))), "receive");
          require_clean(err_of(e.receiver->next_size()), "next_size");
        }
        break;
      }
      case 4: {  // a second view, opened from the fd: validates the control block
        auto fd = ring->memory().dup_fd();
        if (!fd) break;
        auto m = shared_memory::from_fd(std::move(*fd));
        if (!m) break;
        auto r = shm_ring::open(std::move(*m));
        require_clean(err_of(r), "open");
        if (r) {
          view2.emplace(*r);
          e2.attach(*view2);
        }
        break;
      }
      case 5: {
        std::size_t n = in.u16() % (cap + 64);
        if (e2.writer) require_clean(e2.writer->try_write(std::span(buf.data(), n)).err, "write2");
        if (e2.sender)
          require_clean(err_of(e2.sender->try_send(std::span(buf.data(), n))), "send2");
        if (e2.reader)
          require_clean(err_of(e2.reader->try_read(std::span(buf.data(), n))), "read2");
        if (e2.receiver) {
          require_clean(err_of(e2.receiver->try_receive(std::span(buf.data(), n))), "receive2");
        }
        break;
      }
      case 6:
        if (!e.writer && !e.reader && !e.sender && !e.receiver) e.attach(*ring);
        break;
      case 7: {  // close something
        switch (in.u8() % 4) {
          case 0:
            if (e.writer) (void)e.writer->close();
            break;
          case 1:
            if (e.reader) (void)e.reader->close();
            break;
          case 2:
            if (e.sender) (void)e.sender->close();
            break;
          default:
            if (e.receiver) (void)e.receiver->close();
            break;
        }
        break;
      }
    }
  }
  return 0;
}
