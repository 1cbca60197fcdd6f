// io::copy between two os::pipe files: splice(2) (file::read_from, chosen by io::copy)
// versus the buffer loop (io::copy_buffer: read into user space, write back out). A producer
// thread fills the source pipe and a consumer thread drains the destination; 64 MiB per
// iteration.
//
//   build/release/bench/bench_io --benchmark_filter=Copy
#include <benchmark/benchmark.h>

#include <conduit/io/copy.hpp>
#include <conduit/os/file.hpp>
#include <thread>
#include <vector>

namespace {

namespace os = conduit::os;

constexpr std::size_t kTotal = 64u << 20;
constexpr std::size_t kChunk = 64 * 1024;

template <bool Splice>
void BM_CopyPipeToPipe(benchmark::State& state) {
  std::vector<std::byte> chunk(kChunk, std::byte{0x33});
  std::vector<std::byte> sink(kChunk);
  std::vector<std::byte> middle(kChunk);
  for (auto _ : state) {
    auto a = os::pipe();
    auto b = os::pipe();
    if (!a || !b) {
      state.SkipWithError("pipe");
      return;
    }
    std::thread producer([&] {
      for (std::size_t sent = 0; sent < kTotal; sent += kChunk) {
        if (a->writer.write(chunk).err) break;
      }
      (void)a->writer.close();
    });
    std::thread consumer([&] {
      while (b->reader.read(sink)) {
      }
    });
    conduit::io_result r = Splice ? conduit::io::copy(b->writer, a->reader)
                                  : conduit::io::copy_buffer(b->writer, a->reader, middle);
    (void)b->writer.close();
    producer.join();
    consumer.join();
    if (r.err || r.n != kTotal) state.SkipWithError("copy failed");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kTotal));
}
BENCHMARK(BM_CopyPipeToPipe<true>)->Name("BM_CopyPipeToPipe/splice")->UseRealTime();
BENCHMARK(BM_CopyPipeToPipe<false>)->Name("BM_CopyPipeToPipe/buffer")->UseRealTime();

}  // namespace
