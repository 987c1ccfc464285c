#include "abis/finger/finger_template_format.h"

#include <gtest/gtest.h>

#include "abis/finger/synthetic_minutiae.h"

namespace abis::finger {
namespace {

std::vector<std::uint8_t> Encoded(const MinutiaeTemplate& minutiae) {
  auto bytes = EncodeFingerTemplate(minutiae);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return bytes.ok() ? bytes.value() : std::vector<std::uint8_t>{};
}

void PutU32(std::vector<std::uint8_t>& bytes, std::size_t offset, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[offset + i] = static_cast<std::uint8_t>(value >> (8 * i));
}

void FixCrc(std::vector<std::uint8_t>& bytes) {
  const std::size_t body = bytes.size() - 4;
  PutU32(bytes, body, Crc32(std::span<const std::uint8_t>(bytes).first(body)));
}

TEST(FingerTemplateFormatTest, RoundTripPreservesMinutiae) {
  MinutiaeTemplate minutiae = SyntheticFinger(7);
  minutiae.position = FingerPosition::kRightRing;
  const std::vector<std::uint8_t> bytes = Encoded(minutiae);
  EXPECT_EQ(bytes.size(), 24 + 8 * minutiae.minutiae.size() + 4);
  auto decoded = DecodeFingerTemplate(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->position, FingerPosition::kRightRing);
  EXPECT_EQ(decoded->width, minutiae.width);
  EXPECT_DOUBLE_EQ(decoded->resolution_ppi, 500);
  ASSERT_EQ(decoded->minutiae.size(), minutiae.minutiae.size());
  for (std::size_t i = 0; i < minutiae.minutiae.size(); ++i) {
    EXPECT_EQ(decoded->minutiae[i].x, minutiae.minutiae[i].x);
    EXPECT_EQ(decoded->minutiae[i].type, minutiae.minutiae[i].type);
    EXPECT_NEAR(decoded->minutiae[i].angle, minutiae.minutiae[i].angle, 1e-4);
  }
  EXPECT_EQ(Encoded(decoded.value()), bytes);
}

TEST(FingerTemplateFormatTest, RejectsUnknownVersionNamingIt) {
  std::vector<std::uint8_t> bytes = Encoded(SyntheticFinger(1));
  bytes[4] = 2;
  auto decoded = DecodeFingerTemplate(bytes, "t");
  EXPECT_EQ(decoded.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(decoded.status().message().find("version 2"), std::string::npos);
}

TEST(FingerTemplateFormatTest, RejectsHundredThousandMinutiaeClaimed) {
  std::vector<std::uint8_t> bytes = Encoded(SyntheticFinger(2));
  PutU32(bytes, 20, 100000);
  FixCrc(bytes);
  auto decoded = DecodeFingerTemplate(bytes, "t");
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("100000 minutiae"), std::string::npos) << decoded.status().message();
}

TEST(FingerTemplateFormatTest, DetectsCorruptionByCrc) {
  std::vector<std::uint8_t> bytes = Encoded(SyntheticFinger(3));
  bytes[30] ^= 0x10;
  EXPECT_EQ(DecodeFingerTemplate(bytes).status().code(), StatusCode::kDataLoss);
}

TEST(FingerTemplateFormatTest, RejectsEveryTruncation) {
  const std::vector<std::uint8_t> bytes = Encoded(SyntheticFinger(4));
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    EXPECT_FALSE(DecodeFingerTemplate(std::span<const std::uint8_t>(bytes).first(length)).ok()) << length;
  }
}

TEST(FingerTemplateFormatTest, EncoderRejectsTooManyMinutiae) {
  MinutiaeTemplate many = SyntheticFinger(5);
  many.minutiae.resize(kMaxTemplateMinutiae + 1, many.minutiae[0]);
  EXPECT_FALSE(EncodeFingerTemplate(many).ok());
}

TEST(FingerTemplateFormatTest, Crc32MatchesTheStandardCheckValue) {
  const std::string check = "123456789";
  EXPECT_EQ(Crc32(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(check.data()), check.size())),
            0xCBF43926u);
}

}  // namespace
}  // namespace abis::finger
