// conduit: everything. Includes every public header of the library.
#ifndef CONDUIT_CONDUIT_HPP
#define CONDUIT_CONDUIT_HPP

#include <conduit/chan.hpp>
#include <conduit/error.hpp>
#include <conduit/fd.hpp>
#include <conduit/io/copy.hpp>
#include <conduit/io/io.hpp>
#include <conduit/io/pipe.hpp>
#include <conduit/ipc/ipc_error.hpp>
#include <conduit/net/addr.hpp>
#include <conduit/net/conn.hpp>
#include <conduit/net/dial.hpp>
#include <conduit/net/ip.hpp>
#include <conduit/net/listener.hpp>
#include <conduit/net/net.hpp>
#include <conduit/net/op_error.hpp>
#include <conduit/net/packet_conn.hpp>
#include <conduit/net/resolve.hpp>
#include <conduit/net/tcp_conn.hpp>
#include <conduit/net/udp_conn.hpp>
#include <conduit/net/unix_conn.hpp>
#include <conduit/os/exec.hpp>
#include <conduit/os/fifo.hpp>
#include <conduit/os/file.hpp>
#include <conduit/os/process.hpp>
#include <conduit/result.hpp>
#include <conduit/runtime/park.hpp>
#include <conduit/runtime/parking_lot.hpp>
#include <conduit/select.hpp>
#include <conduit/signal/signal.hpp>
#include <conduit/sync/cond.hpp>
#include <conduit/sync/lock_all.hpp>
#include <conduit/sync/lock_order.hpp>
#include <conduit/sync/mutex.hpp>
#include <conduit/sync/once.hpp>
#include <conduit/sync/ranked_mutex.hpp>
#include <conduit/sync/rw_mutex.hpp>
#include <conduit/sync/semaphore.hpp>
#include <conduit/sync/wait_group.hpp>
#include <conduit/time.hpp>
#include <conduit/timer.hpp>

#endif  // CONDUIT_CONDUIT_HPP
