// io::pipe: Go's io.Pipe between two threads. A producer writes lines, the consumer reads
// them with a small buffer (a write waits until the reader has taken all of it), then the
// producer closes with an error and the consumer sees that error instead of the end of
// stream.
//
//   $ example_io_pipe [lines]      (default 5)
#include <chrono>
#include <conduit/io/copy.hpp>
#include <conduit/io/io.hpp>
#include <conduit/io/pipe.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>
#include <thread>

namespace io = conduit::io;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  const int lines = argc > 1 ? std::atoi(argv[1]) : 5;

  // 1. Lines through the pipe; the reader's buffer is smaller than a line.
  {
    auto [r, w] = io::pipe();
    std::thread producer([&w, lines] {
      for (int i = 0; i < lines; ++i) {
        std::string line = "line " + std::to_string(i) + ": the write returns once it is read\n";
        auto [n, err] = w.write(line);
        if (err) {
          std::fprintf(stderr, "write: %s\n", err.message().c_str());
          return;
        }
      }
      w.close();  // the reader's next read returns errc::eof
    });
    std::string got;
    std::byte buf[16];
    for (;;) {
      auto n = r.read_for(buf, 5s);
      if (!n) {
        if (n.error() != conduit::errc::eof) {
          std::fprintf(stderr, "read: %s\n", n.error().message().c_str());
          producer.join();
          return 1;
        }
        break;
      }
      got += io::as_string(std::span(buf, *n));
    }
    producer.join();
    std::fputs(got.c_str(), stdout);
  }

  // 2. close_with_error: the reader gets the writer's error, as Go's CloseWithError.
  {
    auto [r, w] = io::pipe();
    std::thread producer([&w] {
      (void)w.write("partial record");
      w.close_with_error(std::make_error_code(std::errc::protocol_error));
    });
    std::byte buf[64];
    auto first = r.read_for(buf, 5s);
    auto second = r.read_for(buf, 5s);
    producer.join();
    if (!first || second || second.error() != std::errc::protocol_error) {
      std::fprintf(stderr, "unexpected close behaviour\n");
      return 1;
    }
    std::printf("reader saw %zu bytes, then: %s\n", *first, second.error().message().c_str());
  }

  // 3. A read deadline: nobody writes, the read gives up.
  {
    auto [r, w] = io::pipe();
    std::byte buf[8];
    auto n = r.read_for(buf, 20ms);
    std::printf("read with nobody writing: %s\n", n ? "data?!" : n.error().message().c_str());
    if (n) return 1;
  }
  return 0;
}
