// Uses an installed conduit: a channel between two threads and a deadline.
#include <conduit/chan.hpp>
#include <conduit/conduit.hpp>
#include <cstdio>
#include <thread>

int main() {
  conduit::chan<int> ch(1);
  std::thread t([ch] { (void)ch.send(42); });
  auto v = ch.recv_for(std::chrono::seconds(10));
  t.join();
  if (!v || *v != 42) return 1;
  auto none = ch.recv_for(std::chrono::milliseconds(1));
  if (none.error() != conduit::errc::timeout) return 2;
  std::puts("consumer: ok");
  return 0;
}
