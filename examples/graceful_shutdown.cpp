// A worker pool that shuts down gracefully on SIGINT or SIGTERM: it stops taking work,
// finishes what is in flight, reports, and exits 0. A second SIGINT during the drain kills
// the process at once (the first signal gave the disposition back).
//
//   example_graceful_shutdown          demo: sends itself SIGTERM after 200 ms
//   example_graceful_shutdown --wait   runs until you press Ctrl-C (or `kill -TERM <pid>`)
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <conduit/chan.hpp>
#include <conduit/select.hpp>
#include <conduit/signal/signal.hpp>
#include <conduit/sync/wait_group.hpp>
#include <conduit/timer.hpp>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

int main(int argc, char** argv) {
  bool wait_for_user = argc > 1 && std::strcmp(argv[1], "--wait") == 0;

  auto shutdown = conduit::signal::shutdown_signal::listen({SIGINT, SIGTERM});
  if (!shutdown) {
    std::fprintf(stderr, "listen: %s\n", shutdown.error().message().c_str());
    return 1;
  }

  conduit::chan<int> jobs(8);
  conduit::wait_group workers;
  std::atomic<int> started{0}, finished{0};
  std::vector<std::thread> pool;
  for (int w = 0; w < 4; ++w) {
    workers.add(1);
    pool.emplace_back([&] {
      for (int job : jobs) {  // until jobs is closed and drained
        ++started;
        conduit::sleep_for(std::chrono::milliseconds(5 + job % 10));  // the "work"
        ++finished;
      }
      workers.done();
    });
  }

  if (!wait_for_user) {
    std::thread([] {
      conduit::sleep_for(200ms);
      (void)conduit::signal::raise(SIGTERM);
    }).detach();
  } else {
    std::printf("pid %d: press Ctrl-C to stop\n", static_cast<int>(::getpid()));
  }

  // The dispatcher: feed jobs until the shutdown signal closes done().
  int submitted = 0;
  for (bool stopping = false; !stopping;) {
    conduit::select(conduit::send_case(jobs, submitted, [&](auto sent) { submitted += !!sent; }),
                    conduit::recv_case(shutdown->done(), [&](auto) { stopping = true; }));
  }
  auto cause = shutdown->cause();
  std::printf("%s received: no new work; draining %d job(s) in flight\n",
              cause ? cause->name() : "signal", submitted - finished.load());
  jobs.close();
  if (!workers.wait_for(30s)) {
    std::fprintf(stderr, "workers did not finish in 30 s\n");
    return 1;
  }
  for (auto& t : pool) t.join();
  std::printf("submitted %d, started %d, finished %d\n", submitted, started.load(),
              finished.load());
  return submitted == finished.load() && submitted > 0 ? 0 : 1;
}
