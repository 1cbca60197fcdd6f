// <conduit/net/net.hpp>: the umbrella header gives the whole module.
#include <gtest/gtest.h>

#include <conduit/net/net.hpp>

namespace conduit::net {
namespace {

using namespace std::chrono_literals;

TEST(NetTest, UmbrellaHeaderServesARoundTrip) {
  auto ln = listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(ln);
  auto c = dial("tcp", ln->addr().to_string());
  ASSERT_TRUE(c);
  ln->set_deadline(deadline::after(10s));
  auto s = ln->accept();
  ASSERT_TRUE(s);
  ASSERT_FALSE(c->write("x").err);
  std::byte b[1];
  s->set_read_deadline(deadline::after(10s));
  EXPECT_TRUE(s->read(b));
}

}  // namespace
}  // namespace conduit::net
