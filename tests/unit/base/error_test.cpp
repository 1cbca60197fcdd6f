#include <gtest/gtest.h>

#include <cerrno>
#include <conduit/error.hpp>
#include <system_error>

namespace conduit {
namespace {

TEST(ErrorTest, ErrcMakesCodesInConduitCategory) {
  std::error_code ec = errc::eof;
  EXPECT_EQ(&ec.category(), &conduit_category());
  EXPECT_STREQ(ec.category().name(), "conduit");
  EXPECT_EQ(ec, errc::eof);
  EXPECT_NE(ec, errc::closed);
  EXPECT_TRUE(static_cast<bool>(ec));
}

TEST(ErrorTest, TimeoutComparesEqualToTimedOutCondition) {
  std::error_code ec = errc::timeout;
  EXPECT_TRUE(ec == std::errc::timed_out);
  EXPECT_FALSE(std::error_code(errc::eof) == std::errc::timed_out);
}

TEST(ErrorTest, OsErrorsKeepTheirExactErrno) {
  std::error_code pipe = errno_code(EPIPE);
  std::error_code reset = errno_code(ECONNRESET);
  EXPECT_EQ(&pipe.category(), &std::system_category());
  EXPECT_EQ(pipe.value(), EPIPE);
  EXPECT_NE(pipe, reset);
  EXPECT_NE(pipe, std::error_code(errc::closed_pipe));
}

TEST(ErrorTest, EveryErrcHasAMessage) {
  for (int e = static_cast<int>(errc::eof); e <= static_cast<int>(errc::uncatchable_signal); ++e) {
    std::string m = make_error_code(static_cast<errc>(e)).message();
    EXPECT_FALSE(m.empty());
    EXPECT_EQ(m.find("unknown"), std::string::npos) << e;
  }
  EXPECT_NE(make_error_code(static_cast<errc>(999)).message().find("unknown"), std::string::npos);
}

TEST(ErrorDeathTest, FatalPrintsOneLineAndAborts) {
  EXPECT_DEATH(fatal("close of closed channel"), "conduit: close of closed channel");
}

}  // namespace
}  // namespace conduit
