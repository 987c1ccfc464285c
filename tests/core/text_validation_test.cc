#include "abis/core/text_validation.h"

#include <gtest/gtest.h>

#include <string>

namespace abis {
namespace {

TEST(TextValidation, AcceptsOrdinaryIdentifiersInAnyScript) {
  for (const char* id : {"P-0001", "CASE 2026/17", "Müller-Łukasz", "قضية-12", "案件 7", "a"}) {
    EXPECT_TRUE(ValidateIdentifier(id, "case reference", 128).ok()) << id;
  }
}

TEST(TextValidation, RefusesInvalidUtf8AndNamesTheByte) {
  Status status = ValidateIdentifier("ab\xff\xfe", "person id", 200);
  ASSERT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("person id is not valid UTF-8 (byte 2"), std::string::npos) << status.message();
  EXPECT_TRUE(IsValidUtf8(status.message()));  // the message never carries the bad bytes
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));        // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));    // a UTF-16 surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("ab\xe2\x82"));        // cut off inside a character
  EXPECT_TRUE(IsValidUtf8("\xe2\x82\xac"));       // the euro sign
}

TEST(TextValidation, RefusesControlBidiAndBlankIdentifiers) {
  const std::string bad[] = {std::string("P\0X", 3), "P\r\nforged", "P\x1b[31m", "P\xe2\x80\xaegpj",  // NUL CRLF ESC RLO
                             "P\xe2\x80\x8bX", " ", "\t", "-", "--all", " P", "P ", "P  Q", "P\xc2\xa0Q", ""};
  for (const std::string& value : bad) {
    EXPECT_EQ(ValidateIdentifier(value, "case reference", 128).code(), StatusCode::kInvalidArgument)
        << EscapeForDisplay(value);
  }
  EXPECT_EQ(ValidateIdentifier(std::string(129, 'a'), "case reference", 128).code(), StatusCode::kInvalidArgument);
}

// Found by the attack on issue 16: invisible characters that make two ids look identical.
TEST(TextValidation, RefusesInvisibleLookalikesAndPathSteps) {
  for (const char* id : {"P-1\xc2\xad", "P-1\xf3\xa0\x80\x81", "P\xe3\x85\xa4", "P\xe2\xa0\x80", "P\xe2\x81\xaa",
                         "P\xef\xb8\x8f", ".", ".."}) {
    EXPECT_EQ(ValidateIdentifier(id, "person id", 200).code(), StatusCode::kInvalidArgument) << EscapeForDisplay(id);
  }
  EXPECT_TRUE(ValidateIdentifier("P.1", "person id", 200).ok());
  EXPECT_EQ(ValidateFreeText("\xc2\xa0\xc2\xa0", "legal basis", 500, true).code(), StatusCode::kInvalidArgument);
}

TEST(TextValidation, FreeTextMustNotBeBlankWhenRequired) {
  EXPECT_EQ(ValidateFreeText("   ", "legal basis", 500, true).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ValidateFreeText("", "description", 500, false).ok());
  EXPECT_TRUE(ValidateFreeText("Civil Register Act s.12 (2019)", "legal basis", 500, true).ok());
  EXPECT_EQ(ValidateFreeText("Act\nforged line", "legal basis", 500, true).code(), StatusCode::kInvalidArgument);
}

TEST(TextValidation, EscapeForDisplayShowsEveryHiddenCharacter) {
  EXPECT_EQ(EscapeForDisplay("P\x1b[31m\xff\\"), "P\\x1B[31m\\xFF\\\\");
  EXPECT_EQ(EscapeForDisplay("a\xe2\x80\xae" "b"), "a\\u{202E}b");
  EXPECT_EQ(EscapeForDisplay("Müller"), "Müller");
  EXPECT_EQ(EscapeForDisplay(std::string(300, 'x'), 10), std::string(10, 'x') + "...");
}

}  // namespace
}  // namespace abis
