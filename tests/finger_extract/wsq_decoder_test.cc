#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "abis/core/paths.h"
#include "abis/finger_extract/image.h"
#include "abis/finger_extract/wsq.h"
#include "test_files.h"

namespace abis::finger {
namespace {

namespace fs = std::filesystem;
using testing::ReadBytes;

fs::path WsqDir() { return SharedDataDir() / "interop" / "wsq"; }
fs::path ReferenceDir() { return SharedDataDir() / "interop" / "wsq-nbis-decoded"; }

// Parses a binary PGM (P5, maxval 255) written by the NIST reference decoder.
bool ReadPgm(const fs::path& path, int& width, int& height, std::vector<std::uint8_t>& pixels) {
  std::vector<std::uint8_t> bytes = ReadBytes(path);
  std::size_t at = 0;
  auto token = [&]() {
    while (at < bytes.size() && std::isspace(bytes[at])) ++at;
    std::string text;
    while (at < bytes.size() && !std::isspace(bytes[at])) text += static_cast<char>(bytes[at++]);
    return text;
  };
  if (token() != "P5") return false;
  width = std::stoi(token());
  height = std::stoi(token());
  if (token() != "255") return false;
  ++at;
  if (bytes.size() - at != static_cast<std::size_t>(width) * height) return false;
  pixels.assign(bytes.begin() + static_cast<std::ptrdiff_t>(at), bytes.end());
  return true;
}

TEST(WsqDecoderTest, MatchesNistReferenceDecodesPixelForPixel) {
  if (!fs::exists(ReferenceDir())) GTEST_SKIP() << "no reference decodes in " << ReferenceDir();
  int compared = 0;
  for (const auto& entry : fs::directory_iterator(ReferenceDir())) {
    fs::path wsq_path = WsqDir() / (entry.path().stem().string() + ".wsq");
    if (entry.path().extension() != ".pgm" || !fs::exists(wsq_path)) continue;
    int width = 0, height = 0;
    std::vector<std::uint8_t> reference;
    ASSERT_TRUE(ReadPgm(entry.path(), width, height, reference)) << entry.path();
    Result<GrayImage> decoded = DecodeWsq(ReadBytes(wsq_path), wsq_path.string());
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    ASSERT_EQ(decoded->width, width) << wsq_path;
    ASSERT_EQ(decoded->height, height) << wsq_path;
    int max_difference = 0;
    double sum = 0;
    for (std::size_t i = 0; i < reference.size(); ++i) {
      int difference = std::abs(static_cast<int>(decoded->pixels[i]) - reference[i]);
      max_difference = std::max(max_difference, difference);
      sum += difference;
    }
    std::printf("%-50s %4dx%-4d max |diff| %d  mean |diff| %.6f\n", wsq_path.filename().c_str(), width, height,
                max_difference, sum / static_cast<double>(reference.size()));
    EXPECT_EQ(max_difference, 0) << wsq_path;
    ++compared;
  }
  EXPECT_GT(compared, 0);
}

TEST(WsqDecoderTest, DecodesEverySharedSampleAndReadsNistcomResolution) {
  if (!fs::exists(WsqDir())) GTEST_SKIP() << "no WSQ samples in " << WsqDir();
  for (const auto& entry : fs::directory_iterator(WsqDir())) {
    Result<GrayImage> decoded = DecodeWsq(ReadBytes(entry.path()), entry.path().string());
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_GT(decoded->width, 0);
  }
  Result<GrayImage> decoded = DecodeWsq(ReadBytes(WsqDir() / "libbiomeval_img.wsq"), "img.wsq");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->resolution_ppi, 500);
}

}  // namespace
}  // namespace abis::finger

namespace abis::finger {
namespace {

namespace fs = std::filesystem;
using testing::ReadBytes;

std::vector<std::uint8_t> SampleWsq() { return ReadBytes(SharedDataDir() / "interop" / "wsq" / "libbiomeval_img.wsq"); }

TEST(WsqDecoderTest, RejectsEveryTruncationOfAValidFile) {
  std::vector<std::uint8_t> bytes = SampleWsq();
  if (bytes.empty()) GTEST_SKIP() << "no WSQ sample under " << SharedDataDir();
  for (std::size_t length = 0; length < bytes.size(); length += (length < 1200 ? 1 : 37)) {
    std::span<const std::uint8_t> prefix(bytes.data(), length);
    Result<GrayImage> decoded = DecodeWsq(prefix, "cut.wsq");
    ASSERT_FALSE(decoded.ok()) << "a " << length << "-byte prefix decoded";
    EXPECT_NE(decoded.status().message().find("cut.wsq"), std::string::npos) << decoded.status().message();
  }
}

TEST(WsqDecoderTest, SurvivesCorruptedBytesWithoutCrashing) {
  std::vector<std::uint8_t> original = SampleWsq();
  if (original.empty()) GTEST_SKIP() << "no WSQ sample under " << SharedDataDir();
  std::uint32_t state = 12345;
  int rejected = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<std::uint8_t> bytes = original;
    for (int flips = 0; flips < 4; ++flips) {
      state = state * 1664525u + 1013904223u;
      bytes[state % bytes.size()] = static_cast<std::uint8_t>(state >> 24);
    }
    Result<GrayImage> decoded = DecodeWsq(bytes, "corrupt.wsq");
    if (!decoded.ok()) {
      ++rejected;
    } else {
      EXPECT_EQ(decoded->pixels.size(), static_cast<std::size_t>(decoded->width) * decoded->height);
    }
  }
  EXPECT_GT(rejected, 0);
}

// A hand-made file: SOI, then a frame header claiming `width` x `height`.
std::vector<std::uint8_t> FrameOnly(int width, int height) {
  return {0xFF, 0xA0, 0xFF, 0xA2, 0x00, 0x11, 0x00, 0xFF,
          static_cast<std::uint8_t>(height >> 8), static_cast<std::uint8_t>(height),
          static_cast<std::uint8_t>(width >> 8), static_cast<std::uint8_t>(width),
          0x02, 0x4A, 0x8D, 0x04, 0x3A, 0x3E, 0x00, 0x00, 0x00, 0xFF, 0xA1};
}

TEST(WsqDecoderTest, RefusesAbsurdFrameSizeBeforeAllocating) {
  Result<GrayImage> decoded = DecodeWsq(FrameOnly(65535, 65535), "huge.wsq");
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("65535x65535"), std::string::npos) << decoded.status().message();
  EXPECT_FALSE(DecodeWsq(FrameOnly(1, 1), "tiny.wsq").ok());
}

TEST(WsqDecoderTest, RejectsFileWithoutDataBlocks) {
  Result<GrayImage> decoded = DecodeWsq(FrameOnly(256, 256), "empty.wsq");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
}

TEST(WsqDecoderTest, RejectsMissingStartMarkerAndUnknownMarkers) {
  std::vector<std::uint8_t> not_wsq = {0xFF, 0xD8, 0xFF, 0xE0};
  EXPECT_FALSE(DecodeWsq(not_wsq, "jpeg.wsq").ok());
  std::vector<std::uint8_t> unknown = {0xFF, 0xA0, 0xFF, 0xC4, 0x00, 0x02};
  Result<GrayImage> decoded = DecodeWsq(unknown, "odd.wsq");
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("marker"), std::string::npos);
  std::vector<std::uint8_t> overlong = {0xFF, 0xA0, 0xFF, 0xA8, 0xFF, 0xFF, 'N', 'I'};
  EXPECT_FALSE(DecodeWsq(overlong, "long.wsq").ok());
}

}  // namespace
}  // namespace abis::finger
