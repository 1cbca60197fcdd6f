// net::udp_conn: a UDP socket made by dial("udp", ...) (Go: *net.UDPConn from DialUDP) — a
// conn whose read and write carry one datagram each, plus read_from, which also says who
// sent the datagram. A UDP socket that is not connected (bound to receive from anyone) is a
// packet_conn: see <conduit/net/packet_conn.hpp>.
//
//   auto c = conduit::net::dial("udp", "127.0.0.1:5353");
//   auto u = conduit::net::udp_conn::try_from(*c);
//   (void)u->write("query");
//   std::byte buf[1500];
//   auto r = u->read(buf);   // one datagram; errc::message_too_large if it did not fit
//
// Thread safety: as conn.
#ifndef CONDUIT_NET_UDP_CONN_HPP
#define CONDUIT_NET_UDP_CONN_HPP

#include <conduit/net/conn.hpp>
#include <conduit/net/packet_conn.hpp>
#include <optional>

namespace conduit::net {

// A connected UDP socket. Thread safety: as conn.
class udp_conn : public conn {
 public:
  udp_conn() noexcept = default;

  // Moves c into a udp_conn if it is a UDP socket; otherwise returns nullopt and leaves c as
  // it was (Go: c.(*net.UDPConn)). Blocks: never.
  [[nodiscard]] static std::optional<udp_conn> try_from(conn& c) noexcept;

  // Reads one datagram and its sender (Go: ReadFrom / ReadFromUDP).
  // Blocks: until a datagram arrives, close() or the read deadline.
  // Errors (in the result's err): errc::closed, errc::timeout, errc::message_too_large (the
  //         datagram did not fit: n == buf.size() bytes of it are in buf, from is set, the
  //         rest is gone), ECONNREFUSED (an earlier datagram was refused), or an errno.
  [[nodiscard]] packet_result read_from(std::span<std::byte> buf) noexcept;
};

}  // namespace conduit::net

#endif  // CONDUIT_NET_UDP_CONN_HPP
