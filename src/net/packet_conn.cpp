// packet_conn: a thin face over the socket state; see socket.cpp for the I/O.
#include <conduit/net/packet_conn.hpp>

#include "net/socket.hpp"

namespace conduit::net {

using side = runtime::poll_fd::side;

packet_conn::packet_conn() noexcept = default;
packet_conn::packet_conn(packet_conn&&) noexcept = default;
packet_conn& packet_conn::operator=(packet_conn&& o) noexcept {
  if (this != &o) {
    if (s_) (void)internal::sock_close(*s_);
    s_ = std::move(o.s_);
  }
  return *this;
}
packet_conn::~packet_conn() {
  if (s_) (void)internal::sock_close(*s_);
}

packet_result packet_conn::read_from(std::span<std::byte> buf) noexcept {
  if (!s_) return {0, {}, internal::closed_error()};
  return internal::sock_read_from(*s_, buf);
}

io_result packet_conn::write_to(std::span<const std::byte> buf, const net::addr& to) noexcept {
  if (!s_) return {0, internal::closed_error()};
  return internal::sock_write_to(*s_, buf, to);
}

result<void> packet_conn::close() noexcept {
  if (!s_) return fail(internal::closed_error());
  return internal::sock_close(*s_);
}

const net::addr& packet_conn::local_addr() const noexcept {
  static const net::addr none;
  return s_ ? s_->local : none;
}

void packet_conn::set_deadline(deadline d) noexcept {
  if (s_) s_->pfd.set_deadline(d);
}
void packet_conn::set_read_deadline(deadline d) noexcept {
  if (s_) s_->pfd.set_deadline(side::read, d);
}
void packet_conn::set_write_deadline(deadline d) noexcept {
  if (s_) s_->pfd.set_deadline(side::write, d);
}

std::string_view packet_conn::network() const noexcept {
  return s_ ? internal::network_name(s_->knd) : std::string_view{};
}

}  // namespace conduit::net
