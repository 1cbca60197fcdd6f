// conduit::net: Go's net package for C++ — every header of the module. See docs/net.md for
// the map from Go's calls to conduit's, what blocks, what is thread-safe, and each error.
//
//   #include <conduit/net/net.hpp>
//   auto ln = conduit::net::listen("tcp", "127.0.0.1:0");
//   auto c = conduit::net::dial("tcp", ln->addr().to_string());
//
// Thread safety: see each header.
#ifndef CONDUIT_NET_NET_HPP
#define CONDUIT_NET_NET_HPP

#include <conduit/net/addr.hpp>
#include <conduit/net/conn.hpp>
#include <conduit/net/dial.hpp>
#include <conduit/net/ip.hpp>
#include <conduit/net/listener.hpp>
#include <conduit/net/op_error.hpp>
#include <conduit/net/packet_conn.hpp>
#include <conduit/net/resolve.hpp>
#include <conduit/net/tcp_conn.hpp>
#include <conduit/net/udp_conn.hpp>
#include <conduit/net/unix_conn.hpp>

#endif  // CONDUIT_NET_NET_HPP
