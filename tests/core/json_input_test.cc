#include "abis/core/json_input.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "abis/core/json_text.h"
#include "abis/core/text_validation.h"

namespace abis {
namespace {

TEST(JsonInput, RefusesAMillionLevelsOfNestingBeforeParsing) {
  std::string deep = "{\"contextualData\":" + std::string(1000000, '[') + std::string(1000000, ']') + "}";
  auto started = std::chrono::steady_clock::now();
  auto parsed = ParseJsonInput(deep, "the request body", {.max_bytes = 4u << 20, .max_depth = 32});
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("deeper than 32"), std::string::npos) << parsed.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST(JsonInput, BracketsInsideStringsDoNotCount) {
  std::string text = "{\"a\":\"" + std::string(100, '[') + "\\\"" + std::string(100, '{') + "\"}";
  auto parsed = ParseJsonInput(text, "body", {.max_bytes = 1 << 20, .max_depth = 2});
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ((*parsed)["a"].get<std::string>().size(), 201u);
  EXPECT_TRUE(JsonNestingWithin("[[1]]", 2));
  EXPECT_FALSE(JsonNestingWithin("[[[1]]]", 2));
}

TEST(JsonInput, ErrorsGiveTheOffsetAndNeverQuoteTheInput) {
  const std::string secret = "QUJJU19TQU1QTEVfQllURVM";  // stands for sample bytes cut off mid-string
  for (const std::string& text : {std::string("{\"biometricData\":[{\"image\":\"") + secret,
                                  std::string("{\"biometricType\":\"FINGER\xff\xfe\",\"x\":\"") + secret + "\"}",
                                  std::string("{\"x\":") + secret + "}"}) {
    auto parsed = ParseJsonInput(text, "the JSON body");
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().message().find(secret), std::string::npos) << parsed.status().message();
    EXPECT_NE(parsed.status().message().find("at byte"), std::string::npos) << parsed.status().message();
    EXPECT_TRUE(IsValidUtf8(parsed.status().message()));
  }
}

TEST(JsonInput, HugeNumbersAreABadRequestNotAnException) {
  auto parsed = ParseJsonInput("{\"biometricSubType\":1e999999}", "the JSON body");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
}

// 16 MiB of empty objects took ~0.8 GB per request to parse, for any role (attack on issue 16).
TEST(JsonInput, MillionsOfTinyValuesAreRefusedBeforeParsing) {
  std::string many = "[";
  for (int i = 0; i < 200000; ++i) many += "{},";
  many += "{}]";
  auto parsed = ParseJsonInput(many, "the JSON body");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kResourceExhausted);
  std::string commas_in_strings = "{\"image\":\"" + std::string(300000, ',') + "\"}";
  EXPECT_TRUE(ParseJsonInput(commas_in_strings, "body").ok()) << "commas inside strings are not values";
}

TEST(JsonInput, SizeLimitIsCheckedFirst) {
  auto parsed = ParseJsonInput(std::string(2000, ' '), "body", {.max_bytes = 1000, .max_depth = 8});
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kResourceExhausted);
}

TEST(JsonText, InvalidUtf8NeverThrows) {
  nlohmann::json value = {{"case_ref", std::string("C\xff\xfe")}};
  std::string text;
  ASSERT_NO_THROW(text = ToJsonText(value));
  EXPECT_TRUE(IsValidUtf8(text));
  EXPECT_NE(text.find("C\xef\xbf\xbd"), std::string::npos) << text;  // U+FFFD in place of the bad byte
}

}  // namespace
}  // namespace abis
