// io::copy: Go's io.Copy, io.CopyBuffer and io.CopyN.
//
// copy(dst, src) moves bytes from src to dst until src reports errc::eof (which is success,
// not an error) or either side fails. As in Go, it first asks the two sides for a faster way:
//
//   - dst.read_from(src), if dst has one for src (Go's io.ReaderFrom): os::file has one for
//     another os::file, which moves the bytes with splice(2) inside the kernel when both are
//     pipes or sockets (the bytes never cross into user space), and otherwise loops over a
//     buffer;
//   - else src.write_to(dst), if src has one (Go's io.WriterTo);
//   - else a loop over a 32 KiB buffer: read, then write all that was read.
//
//   auto [n, err] = conduit::io::copy(out_file, in_pipe);   // splice(2) between the fds
//
// Thread safety: as dst and src. A copy that is interrupted (an error, a deadline) leaves
// the stream where it stopped: n bytes reached dst.
#ifndef CONDUIT_IO_COPY_HPP
#define CONDUIT_IO_COPY_HPP

#include <array>
#include <conduit/io/io.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace conduit::io {

// Copies from src to dst through buf until src's end of stream (Go's io.CopyBuffer). Does
// not look for read_from / write_to. An empty buf gets a 32 KiB one.
// Blocks: as src.read and dst.write, many times.
// Errors: the first error of src.read other than errc::eof, or of dst.write; n is the number
//         of bytes dst took.
template <writer W, reader R>
io_result copy_buffer(W& dst, R& src, std::span<std::byte> buf) {
  std::unique_ptr<std::byte[]> owned;
  if (buf.empty()) {
    constexpr std::size_t kSize = 32 * 1024;
    owned.reset(new std::byte[kSize]);
    buf = std::span<std::byte>(owned.get(), kSize);
  }
  std::uint64_t total = 0;
  for (;;) {
    auto got = src.read(buf);
    if (!got) {
      if (got.error() == errc::eof) return {static_cast<std::size_t>(total), {}};
      return {static_cast<std::size_t>(total), got.error()};
    }
    io_result w = dst.write(std::span<const std::byte>(buf.data(), *got));
    total += w.n;
    if (w.err) return {static_cast<std::size_t>(total), w.err};
  }
}

// Copies from src to dst until src's end of stream (Go's io.Copy): errc::eof from src is the
// normal end and gives an empty err.
// Blocks: until src ends or an error; see the overview for the fast paths.
// Errors: src's errors other than errc::eof, dst's errors; n is what dst took.
template <writer W, reader R>
io_result copy(W& dst, R& src) {
  if constexpr (requires {
                  { dst.read_from(src) } -> std::same_as<io_result>;
                }) {
    return dst.read_from(src);
  } else if constexpr (requires {
                         { src.write_to(dst) } -> std::same_as<io_result>;
                       }) {
    return src.write_to(dst);
  } else {
    return copy_buffer(dst, src, {});
  }
}

// Copies exactly n bytes from src to dst (Go's io.CopyN).
// Blocks: as copy.
// Errors: errc::eof if src ended before n bytes (the result's n says how many went), or the
//         errors of copy.
template <writer W, reader R>
io_result copy_n(W& dst, R& src, std::uint64_t n) {
  limited_reader<R> lim(src, n);
  io_result r = copy_buffer(dst, lim, {});
  if (!r.err && r.n < n) r.err = make_error_code(errc::eof);
  return r;
}

}  // namespace conduit::io

#endif  // CONDUIT_IO_COPY_HPP
