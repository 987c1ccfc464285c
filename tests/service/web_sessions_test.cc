#include "abis/service/web_sessions.h"

#include <gtest/gtest.h>

#include "abis/service/display_image.h"

namespace abis::service {
namespace {

using namespace std::chrono_literals;

TEST(WebSessionsTest, ASessionLivesUntilItsExpiryOrItsEnd) {
  WebSessions sessions(1000ms, 10);
  Operator op{7, "exa", Role::kExaminer};
  auto now = WebSessions::Clock::now();
  auto issued = sessions.Create(op, "0123456789abcdef", now);
  EXPECT_EQ(issued.token.size(), 64u);
  EXPECT_EQ(issued.csrf_token.size(), 64u);
  EXPECT_NE(issued.token, issued.csrf_token);
  auto found = sessions.Find(issued.token, now + 999ms);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->op.name, "exa");
  EXPECT_EQ(found->csrf_token, issued.csrf_token);
  EXPECT_EQ(found->key_id, "0123456789abcdef");
  EXPECT_FALSE(sessions.Find(issued.token, now + 1000ms));  // expired, and removed
  EXPECT_FALSE(sessions.Find(issued.token, now));
  auto second = sessions.Create(op, "0123456789abcdef", now);
  sessions.End(second.token);
  EXPECT_FALSE(sessions.Find(second.token, now));
  EXPECT_FALSE(sessions.Find("", now));
  EXPECT_FALSE(sessions.Find(std::string(64, 'a'), now));
}

TEST(WebSessionsTest, TheOldestSessionGivesWayPastTheLimit) {
  WebSessions sessions(10s, 2);
  Operator op{1, "a", Role::kExaminer};
  auto now = WebSessions::Clock::now();
  auto first = sessions.Create(op, "0123456789abcdef", now);
  auto second = sessions.Create(op, "0123456789abcdef", now + 1ms);
  auto third = sessions.Create(op, "0123456789abcdef", now + 2ms);
  EXPECT_EQ(sessions.size(), 2u);
  EXPECT_FALSE(sessions.Find(first.token, now + 3ms));
  EXPECT_TRUE(sessions.Find(second.token, now + 3ms));
  EXPECT_TRUE(sessions.Find(third.token, now + 3ms));
}

TEST(WebSessionsTest, CsrfTokensCompareExactly) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abd", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("ab", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("", ""));  // an empty expected token never matches
}

TEST(DisplayImageTest, GreyPixelsBecomeAPngAndJpegGoesOutAsItIs) {
  std::vector<std::uint8_t> pixels(6 * 4, 128);
  auto png = EncodePng(6, 4, 1, pixels);
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  EXPECT_EQ(png->substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // A PGM is decoded and sent as PNG.
  std::string pgm = "P5\n6 4\n255\n" + std::string(24, '\x40');
  auto shown = ToDisplayImage(std::span(reinterpret_cast<const std::uint8_t*>(pgm.data()), pgm.size()));
  ASSERT_TRUE(shown.ok()) << shown.status().ToString();
  EXPECT_EQ(shown->content_type, "image/png");
  std::vector<std::uint8_t> jpeg = {0xff, 0xd8, 0xff, 0xe0, 0, 0};
  EXPECT_EQ(ToDisplayImage(jpeg)->content_type, "image/jpeg");
  std::vector<std::uint8_t> wsq = {0xff, 0xa0, 0xff, 0xa8};
  EXPECT_EQ(ToDisplayImage(wsq).status().code(), StatusCode::kUnimplemented);
  EXPECT_FALSE(EncodePng(2, 2, 2, std::vector<std::uint8_t>(8)).ok());
  EXPECT_FALSE(ToDisplayImage(std::vector<std::uint8_t>{1, 2, 3}).ok());
}

}  // namespace
}  // namespace abis::service
