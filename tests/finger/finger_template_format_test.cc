#include "abis/finger/finger_template_format.h"

#include <numbers>

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
  ASSERT_FALSE(minutiae.orientation.empty());
  const std::vector<std::uint8_t> bytes = Encoded(minutiae);
  EXPECT_EQ(bytes.size(), 24 + 8 * minutiae.minutiae.size() + 6 + minutiae.orientation.cells.size() + 4);
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
  EXPECT_EQ(decoded->orientation.block_size, minutiae.orientation.block_size);
  EXPECT_EQ(decoded->orientation.columns, minutiae.orientation.columns);
  EXPECT_EQ(decoded->orientation.rows, minutiae.orientation.rows);
  EXPECT_EQ(decoded->orientation.cells, minutiae.orientation.cells);
  EXPECT_EQ(Encoded(decoded.value()), bytes);
}

TEST(FingerTemplateFormatTest, RoundTripWithoutOrientationMap) {
  MinutiaeTemplate minutiae = SyntheticFinger(8);
  minutiae.orientation = {};
  const std::vector<std::uint8_t> bytes = Encoded(minutiae);
  EXPECT_EQ(bytes.size(), 24 + 8 * minutiae.minutiae.size() + 6 + 4);
  auto decoded = DecodeFingerTemplate(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(decoded->orientation.empty());
  EXPECT_EQ(decoded->minutiae.size(), minutiae.minutiae.size());
}

// A version-1 record as the previous release wrote it (one minutia, no orientation map): still read.
TEST(FingerTemplateFormatTest, ReadsVersionOneRecords) {
  std::vector<std::uint8_t> bytes = {'A', 'B', 'F', 'T', 1, 0, 0, 0,   // magic, version 1, flags
                                     0x2C, 0x01, 0x90, 0x01,           // 300 x 400
                                     0x50, 0xC3, 0x00, 0x00,           // 500.00 ppi
                                     2, 60, 0, 0,                      // right index, quality 60
                                     1, 0, 0, 0,                       // one minutia
                                     100, 0, 200, 0, 0x00, 0x40, 1, 50,  // (100, 200), 90 degrees, ending
                                     0, 0, 0, 0};
  FixCrc(bytes);
  auto decoded = DecodeFingerTemplate(bytes, "v1");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->width, 300);
  EXPECT_EQ(decoded->position, FingerPosition::kRightIndex);
  ASSERT_EQ(decoded->minutiae.size(), 1u);
  EXPECT_EQ(decoded->minutiae[0].y, 200);
  EXPECT_NEAR(decoded->minutiae[0].angle, std::numbers::pi / 2, 1e-9);
  EXPECT_TRUE(decoded->orientation.empty());
}

TEST(FingerTemplateFormatTest, RejectsMalformedOrientationMaps) {
  const MinutiaeTemplate finger = SyntheticFinger(9);
  const std::size_t map_start = 24 + 8 * finger.minutiae.size();
  {  // a direction of 200 degrees
    std::vector<std::uint8_t> bytes = Encoded(finger);
    bytes[map_start + 6] = 200;
    FixCrc(bytes);
    auto decoded = DecodeFingerTemplate(bytes, "t");
    ASSERT_FALSE(decoded.ok());
    EXPECT_NE(decoded.status().message().find("orientation map cell 0 holds 200"), std::string::npos)
        << decoded.status().message();
  }
  {  // a block size that does not tile the image with the stated cells
    std::vector<std::uint8_t> bytes = Encoded(finger);
    bytes[map_start] = 8;
    FixCrc(bytes);
    auto decoded = DecodeFingerTemplate(bytes, "t");
    ASSERT_FALSE(decoded.ok());
    EXPECT_NE(decoded.status().message().find("does not cover"), std::string::npos) << decoded.status().message();
  }
  {  // more cells claimed than there are bytes
    std::vector<std::uint8_t> bytes = Encoded(finger);
    bytes[map_start + 2] = 0xFF;
    bytes[map_start + 3] = 0xFF;
    FixCrc(bytes);
    auto decoded = DecodeFingerTemplate(bytes, "t");
    ASSERT_FALSE(decoded.ok());
    EXPECT_NE(decoded.status().message().find("truncated"), std::string::npos) << decoded.status().message();
  }
  {  // cells without a block size
    std::vector<std::uint8_t> bytes = Encoded(finger);
    bytes[map_start] = 0;
    bytes[map_start + 1] = 0;
    FixCrc(bytes);
    EXPECT_FALSE(DecodeFingerTemplate(bytes, "t").ok());
  }
}

TEST(FingerTemplateFormatTest, EncoderRejectsInconsistentOrientationMaps) {
  MinutiaeTemplate finger = SyntheticFinger(10);
  finger.orientation.cells.pop_back();
  EXPECT_FALSE(EncodeFingerTemplate(finger).ok());
  finger = SyntheticFinger(10);
  finger.orientation.cells[0] = 180;
  EXPECT_FALSE(EncodeFingerTemplate(finger).ok());
  finger = SyntheticFinger(10);
  finger.orientation.block_size = 0;
  EXPECT_FALSE(EncodeFingerTemplate(finger).ok());
  // A grid that does not cover the image would be written but never read back.
  finger = SyntheticFinger(10);
  finger.orientation.columns -= 1;
  finger.orientation.cells.resize(static_cast<std::size_t>(finger.orientation.columns) * finger.orientation.rows);
  const auto uncovered = EncodeFingerTemplate(finger);
  ASSERT_FALSE(uncovered.ok());
  EXPECT_NE(uncovered.status().message().find("does not cover"), std::string::npos) << uncovered.status().message();
}

TEST(FingerTemplateFormatTest, EncoderRejectsMinutiaeOutsideTheImage) {
  MinutiaeTemplate finger = SyntheticFinger(11);
  finger.minutiae[0].x = finger.width;  // the decoder would refuse it
  const auto encoded = EncodeFingerTemplate(finger);
  ASSERT_FALSE(encoded.ok());
  EXPECT_NE(encoded.status().message().find("minutia 0"), std::string::npos) << encoded.status().message();
}

TEST(FingerTemplateFormatTest, RejectsUnknownVersionNamingIt) {
  std::vector<std::uint8_t> bytes = Encoded(SyntheticFinger(1));
  bytes[4] = 3;
  auto decoded = DecodeFingerTemplate(bytes, "t");
  EXPECT_EQ(decoded.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(decoded.status().message().find("version 3"), std::string::npos);
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
