// conduit::io: Go's io package with a C++ face. The two concepts every byte stream in
// conduit models, and the small helpers Go programs lean on:
//
//   io::reader    read(std::span<std::byte>) -> result<std::size_t>     (Go's io.Reader)
//   io::writer    write(std::span<const std::byte>) -> io_result        (Go's io.Writer)
//   io::read_full, io::read_at_least      (io.ReadFull, io.ReadAtLeast)
//   io::limit_reader                      (io.LimitReader / io.LimitedReader)
//   io::multi_writer                      (io.MultiWriter)
//   io::write_string                      (io.WriteString)
//   io::reader_ref, io::writer_ref        non-owning type-erased references (an interface
//                                         value, as Go's io.Reader variable)
//
// io::copy lives in <conduit/io/copy.hpp>, io::pipe in <conduit/io/pipe.hpp>.
//
// The contract of a reader, as conduit's DESIGN states it: read returns n > 0 bytes, or an
// error, never both; end of stream is errc::eof; an empty buffer returns 0 at once. A writer
// writes everything or returns an error, with n saying how much went out before it.
//
//   std::byte header[16];
//   auto [n, err] = conduit::io::read_full(file, header);
//   if (err == conduit::errc::unexpected_eof) { ... the stream ended after n bytes ... }
//
// Thread safety: the helpers hold references to the streams they were given and are as
// thread-safe as those streams; one limited_reader or multi_writer object must not be used
// from two threads at once.
#ifndef CONDUIT_IO_IO_HPP
#define CONDUIT_IO_IO_HPP

#include <concepts>
#include <conduit/error.hpp>
#include <conduit/result.hpp>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

namespace conduit::io {

// Go's io.Reader: read(buf) fills a prefix of buf and returns its length (> 0), or returns
// an error (errc::eof at end of stream).
template <class R>
concept reader = requires(R& r, std::span<std::byte> buf) {
  { r.read(buf) } -> std::same_as<result<std::size_t>>;
};

// Go's io.Writer: write(buf) writes all of buf, or returns an error and how much went out.
template <class W>
concept writer = requires(W& w, std::span<const std::byte> buf) {
  { w.write(buf) } -> std::same_as<io_result>;
};

// The bytes of a string, for write(std::span<const std::byte>).
[[nodiscard]] inline std::span<const std::byte> as_bytes(std::string_view s) noexcept {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}
// The chars of a byte span, for comparing what was read with a string.
[[nodiscard]] inline std::string_view as_string(std::span<const std::byte> b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Writes the bytes of s to w (Go's io.WriteString).
// Blocks: as w.write. Errors: as w.write.
template <writer W>
io_result write_string(W& w, std::string_view s) {
  return w.write(as_bytes(s));
}

// Reads until at least min bytes are in buf (Go's io.ReadAtLeast). n >= min exactly when err
// is empty; an error that arrives after min bytes is dropped (it will come again).
// Blocks: as r.read, possibly several times.
// Errors: errc::eof (the stream ended before any byte), errc::unexpected_eof (it ended after
//         some but fewer than min), std::errc::invalid_argument (buf.size() < min: Go's
//         io.ErrShortBuffer; nothing is read), or r's error (n says what arrived first).
template <reader R>
io_result read_at_least(R& r, std::span<std::byte> buf, std::size_t min) {
  if (buf.size() < min) return {0, std::make_error_code(std::errc::invalid_argument)};
  std::size_t n = 0;
  while (n < min) {
    auto got = r.read(buf.subspan(n));
    if (!got) {
      std::error_code e = got.error();
      if (e == errc::eof && n > 0) e = make_error_code(errc::unexpected_eof);
      return {n, e};
    }
    n += *got;
  }
  return {n, {}};
}

// Reads exactly buf.size() bytes (Go's io.ReadFull).
// Blocks: as r.read, possibly several times.
// Errors: errc::eof (no byte before the end), errc::unexpected_eof (some, not all), r's error.
template <reader R>
io_result read_full(R& r, std::span<std::byte> buf) {
  return read_at_least(r, buf, buf.size());
}

// Go's io.LimitedReader: reads from r, returning errc::eof once n bytes have been read.
// Made by limit_reader(r, n); holds a reference to r, which must outlive it.
// Thread safety: one object, one thread at a time.
template <reader R>
class limited_reader {
 public:
  limited_reader(R& r, std::uint64_t n) noexcept : r_(&r), left_(n) {}

  // Reads up to min(buf.size(), remaining()) bytes from the underlying reader.
  // Blocks: as the underlying read. Errors: errc::eof once the limit is reached; r's errors.
  [[nodiscard]] result<std::size_t> read(std::span<std::byte> buf) {
    if (left_ == 0) return fail(errc::eof);
    if (buf.size() > left_) buf = buf.first(static_cast<std::size_t>(left_));
    auto got = r_->read(buf);
    if (got) left_ -= *got;
    return got;
  }
  // Bytes that may still be read (Go's N).
  [[nodiscard]] std::uint64_t remaining() const noexcept { return left_; }

 private:
  R* r_;
  std::uint64_t left_;
};

// Go's io.LimitReader(r, n).
template <reader R>
[[nodiscard]] limited_reader<R> limit_reader(R& r, std::uint64_t n) noexcept {
  return limited_reader<R>(r, n);
}

// A non-owning reference to any reader (a Go io.Reader interface value). Copyable; the
// referenced reader must outlive it.
// Thread safety: as the referenced reader.
class reader_ref {
 public:
  template <reader R>
  requires(!std::is_same_v<std::remove_cvref_t<R>, reader_ref>) reader_ref(R& r)
  noexcept  // NOLINT: implicit by design, as an interface conversion
      : obj_(std::addressof(r)),
        read_([](void* o, std::span<std::byte> b) { return static_cast<R*>(o)->read(b); }) {}
  [[nodiscard]] result<std::size_t> read(std::span<std::byte> buf) const {
    return read_(obj_, buf);
  }

 private:
  void* obj_;
  result<std::size_t> (*read_)(void*, std::span<std::byte>);
};

// A non-owning reference to any writer (a Go io.Writer interface value). Copyable; the
// referenced writer must outlive it.
// Thread safety: as the referenced writer.
class writer_ref {
 public:
  template <writer W>
  requires(!std::is_same_v<std::remove_cvref_t<W>, writer_ref>) writer_ref(W& w)
  noexcept  // NOLINT: implicit by design, as an interface conversion
      : obj_(std::addressof(w)),
        write_([](void* o, std::span<const std::byte> b) { return static_cast<W*>(o)->write(b); }) {
  }
  io_result write(std::span<const std::byte> buf) const { return write_(obj_, buf); }

 private:
  void* obj_;
  io_result (*write_)(void*, std::span<const std::byte>);
};

// Go's io.MultiWriter: a writer that duplicates each write to every writer given, in order.
// It holds references: the writers must outlive it.
// Thread safety: as the writers it holds; one object may be used by several threads only if
// every writer may.
class multi_writer {
 public:
  template <writer... W>
  explicit multi_writer(W&... ws) : ws_{writer_ref(ws)...} {}
  explicit multi_writer(std::vector<writer_ref> ws) noexcept : ws_(std::move(ws)) {}

  // Writes buf to each writer in turn.
  // Blocks: as each writer's write, one after the other.
  // Errors: the first writer's error; the writers after it get nothing. On error n is what
  //         that writer took (as Go, the earlier writers took all of buf).
  io_result write(std::span<const std::byte> buf) const {
    for (const writer_ref& w : ws_) {
      io_result r = w.write(buf);
      if (r.err) return r;
    }
    return {buf.size(), {}};
  }
  io_result write(std::string_view s) const { return write(as_bytes(s)); }

 private:
  std::vector<writer_ref> ws_;
};

}  // namespace conduit::io

#endif  // CONDUIT_IO_IO_HPP
