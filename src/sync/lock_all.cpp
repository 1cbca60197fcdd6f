// conduit::lock_all: block on one lock, try the rest, back off on failure.
#include <conduit/sync/lock_all.hpp>
#include <cstddef>

namespace conduit::internal {

void lock_all_erased(std::span<const erased_lockable> locks) {
  const std::size_t n = locks.size();
  std::size_t first = 0;  // the lock to block on in this round
  for (;;) {
    const erased_lockable& head = locks[first];
    head.lock(head.obj);
    std::size_t taken = 1;  // locks[first], locks[first+1], ... (mod n) are held
    try {
      while (taken < n) {
        const erased_lockable& next = locks[(first + taken) % n];
        if (!next.try_lock(next.obj)) break;
        ++taken;
      }
    } catch (...) {
      for (std::size_t k = taken; k-- > 0;) {
        const erased_lockable& held = locks[(first + k) % n];
        held.unlock(held.obj);
      }
      throw;
    }
    if (taken == n) return;
    // Back off: release everything, then block on the lock that was busy.
    for (std::size_t k = taken; k-- > 0;) {
      const erased_lockable& held = locks[(first + k) % n];
      held.unlock(held.obj);
    }
    first = (first + taken) % n;
  }
}

}  // namespace conduit::internal
