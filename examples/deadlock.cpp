// The deadlock from conduit's source notes, caught by a deadline, then fixed both ways.
//
// The notes show this Go program:
//
//   controlChan := make(chan bool)
//   controlChan <- true          // blocks forever: no goroutine receives yet
//   go func() { <-controlChan }()
//
// An unbuffered send completes only when a receiver takes the value, and the receiver is
// started only after the send, so the send never completes. Go notices that every goroutine
// is asleep and dies with "all goroutines are asleep - deadlock!"; a C++ program would just
// hang. With conduit, bound the send by a deadline and the hang becomes an error you can
// report: send_for() returns errc::timeout and hands the value back.
//
// The two fixes from the notes:
//   1. a buffered channel with room for one value: the send completes at once, and the
//      receiver started afterwards finds the value waiting;
//   2. start the receiver first, then send.
//
// Run with no arguments; exits 0 when the deadlock is detected and both fixes work.
#include <chrono>
#include <conduit/chan.hpp>
#include <cstdio>
#include <thread>

using namespace std::chrono_literals;

namespace {

// A receiver on its own thread (Go: `go func() { <-controlChan }()`), bounded too.
std::thread start_receiver(conduit::chan<bool> control, bool* got) {
  return std::thread([control, got] {
    auto v = control.recv_for(5s);
    *got = v && *v;
  });
}

// The program from the notes, with a deadline on the send.
bool deadlock_is_detected() {
  conduit::chan<bool> control(0);  // unbuffered: make(chan bool)
  auto sent = control.send_for(true, 200ms);
  if (sent) {
    std::printf("deadlock: unexpected: the send completed with no receiver\n");
    return false;
  }
  if (sent.error().reason != conduit::errc::timeout || sent.error().value != true) {
    std::printf("deadlock: unexpected error: %s\n", sent.error().reason.message().c_str());
    return false;
  }
  std::printf("deadlock: detected, the send timed out after 200 ms with no receiver (%s)\n",
              sent.error().reason.message().c_str());
  // The receiver the original program meant to start never sees a value: nothing was sent.
  bool got = false;
  std::thread receiver = start_receiver(control, &got);
  control.close();  // lets the receiver return at once (errc::channel_closed)
  receiver.join();
  return !got;
}

// Fix 1: make(chan bool, 1). The send completes without a receiver.
bool buffered_fix_works() {
  conduit::chan<bool> control(1);
  if (!control.send_for(true, 200ms)) {
    std::printf("buffered fix: the send did not complete\n");
    return false;
  }
  bool got = false;
  std::thread receiver = start_receiver(control, &got);
  receiver.join();
  std::printf("buffered fix: %s\n",
              got ? "the send completed, the receiver got true" : "the receiver got nothing");
  return got;
}

// Fix 2: start the receiver first; the unbuffered send then has someone to hand over to.
bool receiver_first_fix_works() {
  conduit::chan<bool> control(0);
  bool got = false;
  std::thread receiver = start_receiver(control, &got);
  auto sent = control.send_for(true, 5s);
  receiver.join();
  std::printf("receiver-first fix: %s\n",
              sent && got ? "the send completed, the receiver got true" : "failed");
  return sent && got;
}

}  // namespace

int main() {
  bool ok = deadlock_is_detected();
  ok = buffered_fix_works() && ok;
  ok = receiver_first_fix_works() && ok;
  std::printf("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
