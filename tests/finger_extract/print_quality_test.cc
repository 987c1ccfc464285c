#include "abis/finger_extract/print_quality.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>

#include "abis/core/paths.h"
#include "abis/finger_extract/extractor.h"
#include "abis/finger_extract/image.h"
#include "abis/finger_extract/synth.h"

namespace abis::finger {
namespace {

constexpr int kSide = 320;

// SplitMix64: the same noise on every platform.
class Noise {
 public:
  explicit Noise(std::uint64_t seed) : state_(seed) {}
  double Unit() {  // [0, 1)
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return static_cast<double>((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
  }
  double Gaussian() { return std::sqrt(-2 * std::log(1 - Unit())) * std::cos(2 * M_PI * Unit()); }

 private:
  std::uint64_t state_;
};

template <typename Shade>
GrayImage Draw(int width, int height, Shade shade) {
  GrayImage image{width, height, 500, std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height)};
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      image.pixels[static_cast<std::size_t>(y) * width + x] =
          static_cast<std::uint8_t>(std::clamp(shade(x, y), 0.0, 255.0));
    }
  }
  return image;
}

// A face as a camera sees it, drawn smoothly: lit oval on a darker background, hair above, eyes,
// brows, nose shadow, mouth, with mild sensor noise.
GrayImage FaceLikeImage() {
  Noise noise(7);
  const double cx = 200, cy = 250;
  auto inside = [](double x, double y, double ex, double ey, double rx, double ry) {
    const double dx = (x - ex) / rx, dy = (y - ey) / ry;
    return dx * dx + dy * dy;
  };
  return Draw(400, 500, [&](int x, int y) {
    double value = 70 + 0.1 * y;  // background
    const double face = inside(x, y, cx, cy, 120, 160);
    if (face < 1) value = 190 - 50 * face - 0.15 * (x - cx);                 // shaded skin
    if (inside(x, y, cx, cy - 130, 135, 80) < 1 && y < cy - 90) value = 45;  // hair
    for (const double ex : {cx - 50, cx + 50}) {
      if (inside(x, y, ex, cy - 30, 24, 11) < 1) value = 60;  // eyes
      if (inside(x, y, ex, cy - 60, 30, 6) < 1) value = 80;   // brows
    }
    if (std::abs(x - cx - 8) < 6 && y > cy - 20 && y < cy + 40) value -= 25;  // nose shadow
    if (inside(x, y, cx, cy + 80, 45, 10) < 1) value = 110;                   // mouth
    return value + 2 * noise.Gaussian();
  });
}

Result<ExtractedPrint> Extract(const GrayImage& image) { return ExtractPrint(image); }

void ExpectNotAFingerprint(const GrayImage& image, const std::string& what) {
  Result<ExtractedPrint> result = Extract(image);
  ASSERT_FALSE(result.ok()) << what << " accepted, quality " << result->quality.score << ": "
                            << PrintQualityJson(result->quality).dump();
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << what;
  EXPECT_NE(result.status().message().find("not a fingerprint: "), std::string::npos)
      << what << ": " << result.status().ToString();
}

TEST(PrintQualityTest, SyntheticPrintsPassTheGateWithAHighScore) {
  for (int index = 0; index < 3; ++index) {
    const SyntheticFinger finger = GenerateSyntheticFinger(/*seed=*/41, index, /*impressions=*/2);
    for (const SyntheticImpression& impression : finger.impressions) {
      Result<ExtractedPrint> extracted = Extract(impression.image);
      ASSERT_TRUE(extracted.ok()) << extracted.status().ToString();
      const PrintQuality& quality = extracted->quality;
      EXPECT_TRUE(NonPrintFindings(quality.features).empty());
      EXPECT_GE(quality.score, 70) << PrintQualityJson(quality).dump();
      EXPECT_EQ(extracted->minutiae.finger_quality, quality.score);
      EXPECT_GT(quality.features.ocl, 0.8);
      EXPECT_GT(quality.features.lcs, 0.75);
      EXPECT_GT(quality.features.ridge_block_share, 0.7);
      EXPECT_EQ(quality.features.minutiae, static_cast<int>(extracted->minutiae.minutiae.size()));
    }
  }
}

TEST(PrintQualityTest, NoiseOnAPrintLowersItsScore) {
  const SyntheticFinger finger = GenerateSyntheticFinger(/*seed=*/41, 0, /*impressions=*/1);
  const GrayImage& clean = finger.impressions[0].image;
  Noise noise(3);
  GrayImage noisy = clean;
  // A faint print under sensor noise: half the contrast, noise of 30 grey levels.
  for (std::uint8_t& pixel : noisy.pixels) {
    pixel = static_cast<std::uint8_t>(std::clamp(128 + (pixel - 128) / 2.0 + 30 * noise.Gaussian(), 0.0, 255.0));
  }
  Result<ExtractedPrint> a = Extract(clean);
  ExtractorOptions any_print;
  any_print.min_quality = 0;
  Result<ExtractedPrint> b = ExtractPrint(noisy, any_print);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_LT(b->quality.score, a->quality.score - 10) << PrintQualityJson(a->quality).dump() << "\n"
                                                     << PrintQualityJson(b->quality).dump();
  EXPECT_LT(b->quality.features.lcs, a->quality.features.lcs);
}

TEST(PrintQualityTest, RefusesASmoothGradient) {
  ExpectNotAFingerprint(Draw(kSide, kSide, [](int x, int y) { return 40 + 0.5 * x + 0.2 * y; }), "gradient");
}

TEST(PrintQualityTest, RefusesUniformNoise) {
  Noise noise(11);
  ExpectNotAFingerprint(Draw(kSide, kSide, [&](int, int) { return 255 * noise.Unit(); }), "uniform noise");
}

TEST(PrintQualityTest, RefusesABlankImage) {
  ExpectNotAFingerprint(Draw(kSide, kSide, [](int, int) { return 200.0; }), "blank");
}

TEST(PrintQualityTest, RefusesAFaceLikeImage) { ExpectNotAFingerprint(FaceLikeImage(), "face-like image"); }

TEST(PrintQualityTest, FloorRefusesWithTheScoreAndZeroTurnsItOff) {
  const SyntheticFinger finger = GenerateSyntheticFinger(/*seed=*/5, 1, /*impressions=*/1);
  ExtractorOptions strict;
  strict.min_quality = 100;
  Result<ExtractedPrint> refused = ExtractPrint(finger.impressions[0].image, strict);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("unusable print: quality "), std::string::npos)
      << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("below the floor 100"), std::string::npos) << refused.status().ToString();
  ExtractorOptions none;
  none.min_quality = 0;
  EXPECT_TRUE(ExtractPrint(finger.impressions[0].image, none).ok());
}

TEST(PrintQualityTest, GateNamesEachFailedFeatureWithItsThreshold) {
  PrintQuality face;
  face.score = 60;
  face.features.blocks = 200;
  face.features.ridge_area_mm2 = 5.3;
  face.features.ridge_block_share = 0.02;
  const Status refused = CheckPrintQuality(face, 0);  // no floor: the non-print test still applies
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("not a fingerprint: ridge area 5.3 mm2 below 15 mm2"), std::string::npos)
      << refused.ToString();
  EXPECT_NE(refused.message().find("ridge block share 0.02 below 0.25"), std::string::npos) << refused.ToString();

  PrintQuality poor;
  poor.score = 12;
  poor.features.ridge_area_mm2 = 40;
  poor.features.ridge_block_share = 0.5;
  EXPECT_TRUE(CheckPrintQuality(poor, 0).ok());
  EXPECT_TRUE(CheckPrintQuality(poor, 12).ok());
  const Status unusable = CheckPrintQuality(poor, 13);
  ASSERT_FALSE(unusable.ok());
  EXPECT_NE(unusable.message().find("unusable print: quality 12 below the floor 13"), std::string::npos)
      << unusable.ToString();
}

// A wet or dry print keeps few ridge blocks (its blocks lose orientation certainty first) but its
// ridges stay clear on average; a texture with a print-sized ridge area (hair, fabric) has few
// ridge blocks and unclear ridges. The share refuses the texture only.
TEST(PrintQualityTest, RidgeBlockShareRefusesOnlyWhenTheRidgesAreUnclear) {
  PrintQuality wet;
  wet.score = 30;
  wet.features.blocks = 48;
  wet.features.ridge_area_mm2 = 20;
  wet.features.ridge_block_share = 0.21;
  wet.features.lcs = 0.68;  // FVC2002 DB3_B/107_8: share 0.24, LCS 0.74
  EXPECT_TRUE(CheckPrintQuality(wet, 20).ok()) << CheckPrintQuality(wet, 20).ToString();

  PrintQuality texture = wet;
  texture.features.lcs = 0.52;  // the clearest of the shared colour photos
  const Status refused = CheckPrintQuality(texture, 0);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("not a fingerprint: ridge block share 0.21 below 0.25"), std::string::npos)
      << refused.ToString();

  PrintQuality small = wet;  // clear ridges do not excuse too small a ridge area
  small.features.ridge_area_mm2 = 5.3;
  EXPECT_FALSE(CheckPrintQuality(small, 0).ok());
}

// Shared data (skipped without it): genuine FVC2002 prints pass, ORL faces are refused.
TEST(PrintQualityTest, PassesFvcPrintsAndRefusesOrlFaces) {
  const std::filesystem::path fvc = SharedDataDir() / "fingerprint" / "fvc2002";
  const std::filesystem::path orl = SharedDataDir() / "face" / "orl";
  if (!std::filesystem::exists(fvc) || !std::filesystem::exists(orl)) {
    GTEST_SKIP() << "shared data absent: " << fvc << " or " << orl << " (set ABIS_DATA)";
  }
  // DB3_B/107_8 is a wet print with few ridge blocks (share 0.24) but clear ridges (LCS 0.74).
  for (const char* print :
       {"DB1_B/101_1.tif", "DB2_B/105_3.tif", "DB3_B/102_2.tif", "DB4_B/109_5.tif", "DB3_B/107_8.tif"}) {
    Result<GrayImage> image = ReadFingerprintImage((fvc / print).string());
    ASSERT_TRUE(image.ok()) << image.status().ToString();
    Result<ExtractedPrint> extracted = Extract(*image);
    EXPECT_TRUE(extracted.ok()) << print << ": " << extracted.status().ToString();
  }
  for (const char* face : {"s1/1.pgm", "s7/4.pgm", "s13/9.pgm", "s20/2.pgm"}) {
    Result<GrayImage> image = ReadFingerprintImage((orl / face).string());
    ASSERT_TRUE(image.ok()) << image.status().ToString();
    ExpectNotAFingerprint(*image, face);
  }
}

}  // namespace
}  // namespace abis::finger
