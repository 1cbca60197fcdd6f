// op_error: Go's OpError wording and comparisons of its code.
#include <gtest/gtest.h>
#include <netdb.h>

#include <conduit/net/op_error.hpp>

namespace conduit::net {
namespace {

TEST(OpErrorTest, WhatJoinsThePartsAsGo) {
  op_error e("dial", "tcp", "", "127.0.0.1:1", errno_code(ECONNREFUSED),
             "connect: connection refused");
  EXPECT_EQ(e.what(), "dial tcp 127.0.0.1:1: connect: connection refused");
  op_error with_source("dial", "tcp", "127.0.0.1:5000", "127.0.0.1:1", errno_code(ECONNREFUSED),
                       "connect: connection refused");
  EXPECT_EQ(with_source.what(),
            "dial tcp 127.0.0.1:5000->127.0.0.1:1: connect: connection refused");
  op_error no_addr("dial", "tcp", "", "", std::error_code(EAI_NONAME, gai_category()),
                   "lookup x.invalid: no such host");
  EXPECT_EQ(no_addr.what(), "dial tcp: lookup x.invalid: no such host");
  op_error bare("", "", "", "", std::make_error_code(std::errc::invalid_argument),
                "address x: missing port in address");
  EXPECT_EQ(bare.what(), "address x: missing port in address");
}

TEST(OpErrorTest, EmptyCauseUsesGosWordsForTheCode) {
  EXPECT_EQ(op_error("dial", "tcp", "", "10.0.0.1:80", make_error_code(errc::timeout), "").what(),
            "dial tcp 10.0.0.1:80: i/o timeout");
  EXPECT_EQ(op_error("accept", "tcp", "", "", make_error_code(errc::closed), "").what(),
            "accept tcp: use of closed network connection");
  EXPECT_EQ(op_error("listen", "unix", "", "/x", errno_code(EADDRINUSE), "").what(),
            "listen unix /x: address already in use");
}

TEST(OpErrorTest, ComparesItsCode) {
  op_error e("dial", "tcp", "", "a", make_error_code(errc::timeout), "");
  EXPECT_TRUE(e.timeout());
  EXPECT_TRUE(e == errc::timeout);
  EXPECT_TRUE(e == std::errc::timed_out);
  EXPECT_TRUE(e == make_error_code(errc::timeout));
  op_error r("dial", "tcp", "", "a", errno_code(ECONNREFUSED), "");
  EXPECT_FALSE(r.timeout());
  EXPECT_TRUE(r == std::errc::connection_refused);
  EXPECT_EQ(r.code(), errno_code(ECONNREFUSED));
  EXPECT_EQ(r.op(), "dial");
  EXPECT_EQ(r.net(), "tcp");
  EXPECT_EQ(r.addr(), "a");
}

TEST(OpErrorTest, GaiCategoryUsesGosWords) {
  EXPECT_STREQ(gai_category().name(), "getaddrinfo");
  EXPECT_EQ(std::error_code(EAI_NONAME, gai_category()).message(), "no such host");
  EXPECT_EQ(std::error_code(EAI_SERVICE, gai_category()).message(), "unknown port");
  EXPECT_FALSE(std::error_code(EAI_FAIL, gai_category()).message().empty());
}

}  // namespace
}  // namespace conduit::net
