#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "abis/finger_extract/synth.h"

namespace abis::finger {
namespace {

TEST(SynthTest, SameSeedGivesIdenticalFingers) {
  SyntheticFinger a = GenerateSyntheticFinger(99, 4, 2);
  SyntheticFinger b = GenerateSyntheticFinger(99, 4, 2);
  ASSERT_EQ(a.impressions.size(), 2u);
  EXPECT_EQ(a.pattern, b.pattern);
  for (std::size_t k = 0; k < a.impressions.size(); ++k) {
    EXPECT_EQ(a.impressions[k].image.pixels, b.impressions[k].image.pixels);
    ASSERT_EQ(a.impressions[k].minutiae.size(), b.impressions[k].minutiae.size());
  }
}

TEST(SynthTest, DifferentSeedsAndFingersDiffer) {
  SyntheticFinger a = GenerateSyntheticFinger(1, 0, 1);
  SyntheticFinger b = GenerateSyntheticFinger(2, 0, 1);
  SyntheticFinger c = GenerateSyntheticFinger(1, 1, 1);
  EXPECT_NE(a.impressions[0].image.pixels, b.impressions[0].image.pixels);
  EXPECT_NE(a.impressions[0].image.pixels, c.impressions[0].image.pixels);
}

TEST(SynthTest, ImpressionsHaveRealisticMinutiaeInsideTheImage) {
  SyntheticFinger finger = GenerateSyntheticFinger(11, 2, 3);
  EXPECT_GT(finger.ridge_wavelength, 7.0);
  EXPECT_LT(finger.ridge_wavelength, 12.0);
  for (const SyntheticImpression& impression : finger.impressions) {
    EXPECT_EQ(impression.image.width, 320);
    EXPECT_EQ(impression.image.height, 400);
    EXPECT_EQ(impression.image.resolution_ppi, 500);
    EXPECT_GE(impression.minutiae.size(), 15u);  // real 300x400 impressions hold about 20-70
    EXPECT_LE(impression.minutiae.size(), 120u);
    for (const Minutia& m : impression.minutiae) {
      EXPECT_TRUE(m.x >= 0 && m.y >= 0 && m.x < 320 && m.y < 400);
      EXPECT_TRUE(m.angle >= 0 && m.angle < 2 * M_PI);
    }
  }
}

TEST(SynthTest, WritesFvcNamedImagesAndGroundTruth) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("abis_synth_" + std::to_string(::getpid()));
  SynthDatasetOptions options;
  options.fingers = 2;
  options.impressions = 2;
  options.seed = 5;
  options.size = {160, 200};
  int last_progress = 0;
  ASSERT_TRUE(WriteSyntheticDataset(dir.string(), options, [&](int done, int) { last_progress = done; }).ok());
  EXPECT_EQ(last_progress, 2);
  for (const char* name : {"1_1.png", "1_2.png", "2_1.png", "2_2.png"}) EXPECT_TRUE(std::filesystem::exists(dir / name)) << name;
  std::ifstream in(dir / "ground_truth.json");
  nlohmann::json truth = nlohmann::json::parse(in);
  EXPECT_EQ(truth["format"], "abis-synthetic-fingers");
  EXPECT_EQ(truth["fingers"].size(), 2u);
  EXPECT_EQ(truth["fingers"][1]["impressions"][1]["file"], "2_2.png");
  std::filesystem::remove_all(dir);
}

TEST(SynthTest, RejectsCountsOutOfRange) {
  SynthDatasetOptions options;
  options.fingers = 0;
  EXPECT_EQ(WriteSyntheticDataset("/tmp/never_written", options).code(), StatusCode::kInvalidArgument);
  options.fingers = 1;
  options.impressions = 33;
  EXPECT_EQ(WriteSyntheticDataset("/tmp/never_written", options).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace abis::finger
