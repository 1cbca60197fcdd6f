#include <gtest/gtest.h>

#include <conduit/result.hpp>
#include <memory>
#include <string>

namespace conduit {
namespace {

result<int> half(int x) {
  if (x % 2 != 0) return fail(errc::corrupt);
  return x / 2;
}

TEST(ResultTest, HoldsValueOrError) {
  auto a = half(8);
  ASSERT_TRUE(a);
  EXPECT_TRUE(a.has_value());
  EXPECT_EQ(*a, 4);
  EXPECT_EQ(a.value(), 4);
  auto b = half(3);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error(), errc::corrupt);
  EXPECT_EQ(b.value_or(-1), -1);
}

TEST(ResultTest, AndThenAndTransformChain) {
  auto r = half(16).and_then(half).transform([](int v) { return std::to_string(v); });
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "4");
  auto e = half(6).and_then(half).transform([](int v) { return v * 10; });
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error(), errc::corrupt);
}

TEST(ResultTest, MoveOnlyValues) {
  result<std::unique_ptr<int>> r(std::make_unique<int>(7));
  ASSERT_TRUE(r);
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
  result<std::unique_ptr<int>> moved = result<std::unique_ptr<int>>(std::make_unique<int>(9));
  result<std::unique_ptr<int>> other = std::move(moved);
  EXPECT_EQ(**other, 9);
}

TEST(ResultTest, CopyAndAssignAcrossStates) {
  result<std::string> a(std::string("x"));
  result<std::string> b = fail(errc::eof);
  b = a;
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, "x");
  a = result<std::string>(fail(errc::closed));
  EXPECT_FALSE(a);
  EXPECT_EQ(a.error(), errc::closed);
  EXPECT_EQ(b->size(), 1u);
}

TEST(ResultTest, VoidResult) {
  result<void> ok;
  EXPECT_TRUE(ok);
  result<void> bad = fail(errc::timeout);
  EXPECT_FALSE(bad);
  EXPECT_TRUE(bad.error() == std::errc::timed_out);
  int calls = 0;
  auto r = ok.and_then([&]() -> result<int> {
    ++calls;
    return 5;
  });
  EXPECT_EQ(*r, 5);
  auto r2 = bad.transform([&] { return ++calls; });
  EXPECT_FALSE(r2);
  EXPECT_EQ(calls, 1);
}

TEST(ResultTest, CustomErrorType) {
  result<int, std::string> r = unexpected(std::string("nope"));
  EXPECT_EQ(r.error(), "nope");
  result<int, std::string> v(3);
  EXPECT_EQ(*v, 3);
}

TEST(ResultTest, IoResultBindsLikeGo) {
  io_result r{3, make_error_code(errc::timeout)};
  auto [n, err] = r;
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(err, errc::timeout);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE((io_result{5, {}}.ok()));
}

TEST(ResultDeathTest, ValueOnErrorAborts) {
  result<int> r = fail(errc::eof);
  EXPECT_DEATH((void)r.value(), "conduit: result::value\\(\\) called on a result holding an error");
}

}  // namespace
}  // namespace conduit
