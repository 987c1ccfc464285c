#include "abis/finger/mcc_matcher.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "abis/finger/mcc_signature.h"
#include "abis/finger/minutiae_record.h"
#include "abis/finger/synthetic_minutiae.h"
#include "test_data.h"

namespace abis::finger {
namespace {

double Score(const MinutiaeTemplate& a, const MinutiaeTemplate& b) {
  return CompareMcc(BuildMccTemplate(a), BuildMccTemplate(b)).score;
}

TEST(MccMatcherTest, CylindersAreBuiltForWellSpreadMinutiae) {
  const MccTemplate cylinders = BuildMccTemplate(SyntheticFinger(11));
  EXPECT_GE(cylinders.size(), 20u);
  for (std::size_t i = 0; i < cylinders.size(); ++i) {
    for (int w = 0; w < kMccWords; ++w) EXPECT_EQ(cylinders.cells[i][w] & ~cylinders.validity[i][w], 0u);
  }
}

TEST(MccMatcherTest, SelfMatchScoresHighestAgainstOtherFingers) {
  const MinutiaeTemplate finger = SyntheticFinger(21);
  const double self = Score(finger, finger);
  EXPECT_GT(self, 0.3);
  for (std::uint64_t other = 100; other < 120; ++other) EXPECT_LT(Score(finger, SyntheticFinger(other)), self);
}

// MCC compares cylinders only when their directions differ by at most delta_theta = 90 degrees
// (paper, eq. 13): it is invariant to translation and to rotations within +-90 degrees.
TEST(MccMatcherTest, ScoreIsInvariantToTranslationAndRotationWithinNinetyDegrees) {
  const MinutiaeTemplate finger = SyntheticFinger(31, {600, 600, 40, 12});
  const double self = Score(finger, finger);
  for (const double degrees : {-80.0, -30.0, 0.0, 15.0, 45.0, 80.0}) {
    ImpressionOptions motion;
    motion.rotation = degrees * std::numbers::pi / 180;
    motion.dx = 25;
    motion.dy = -15;
    MinutiaeTemplate moved = SyntheticImpression(finger, 1, motion);
    // Rigid motion only; the image is large enough that (almost) nothing leaves it.
    ASSERT_GE(moved.minutiae.size(), finger.minutiae.size() - 2) << degrees;
    EXPECT_GT(Score(finger, moved), 0.6 * self) << degrees << " degrees";
  }
}

TEST(MccMatcherTest, RotationsBeyondNinetyDegreesAreNotMatched) {
  const MinutiaeTemplate finger = SyntheticFinger(32, {600, 600, 40, 12});
  ImpressionOptions upside_down;
  upside_down.rotation = std::numbers::pi;
  EXPECT_LT(Score(finger, SyntheticImpression(finger, 1, upside_down)), 0.2 * Score(finger, finger));
}

// Skin stretches in proportion to distance: the relaxation's distance tolerance grows with the
// pairs' distance (MccParameters::rho_distance_growth), so an evenly stretched impression keeps
// more of its LSS-R score than with the paper's fixed 5 px, and an unstretched one loses nothing.
TEST(MccMatcherTest, RelaxationToleratesStretchInProportionToDistance) {
  const MinutiaeTemplate finger = SyntheticFinger(41, {600, 600, 40, 12});
  MinutiaeTemplate stretched = finger;
  for (Minutia& m : stretched.minutiae) {
    m.x = static_cast<decltype(m.x)>(std::lround(300 + 1.08 * (m.x - 300)));
    m.y = static_cast<decltype(m.y)>(std::lround(300 + 1.08 * (m.y - 300)));
  }
  MccParameters fixed_tolerance;
  fixed_tolerance.rho_distance_growth = 0;
  const MccTemplate a = BuildMccTemplate(finger), b = BuildMccTemplate(stretched);
  const double growing = CompareMcc(a, b).lss_r_score;
  const double fixed = CompareMcc(a, b, fixed_tolerance).lss_r_score;
  EXPECT_GT(growing, 2 * fixed) << growing << " vs " << fixed;
  EXPECT_DOUBLE_EQ(CompareMcc(a, a).lss_r_score, CompareMcc(a, a, fixed_tolerance).lss_r_score);
}

TEST(MccMatcherTest, GenuineImpressionsOutscoreImpostors) {
  int wins = 0, trials = 0;
  for (std::uint64_t f = 0; f < 20; ++f) {
    const MinutiaeTemplate finger = SyntheticFinger(1000 + f);
    const MinutiaeTemplate a = SyntheticImpression(finger, 2 * f, TypicalImpressionOptions(2 * f));
    const MinutiaeTemplate b = SyntheticImpression(finger, 2 * f + 1, TypicalImpressionOptions(2 * f + 1));
    const MinutiaeTemplate other = SyntheticImpression(SyntheticFinger(5000 + f), f, TypicalImpressionOptions(f));
    wins += Score(a, b) > Score(a, other);
    ++trials;
  }
  EXPECT_GE(wins, trials - 1);
}

TEST(MccMatcherTest, EmptyTemplatesScoreZero) {
  EXPECT_EQ(CompareMcc(MccTemplate{}, BuildMccTemplate(SyntheticFinger(3))).score, 0.0);
}

TEST(MccMatcherTest, PairCountFollowsThePaperSigmoid) {
  EXPECT_EQ(MccPairCount(0, 0), 4);
  EXPECT_EQ(MccPairCount(20, 50), 8);
  EXPECT_EQ(MccPairCount(60, 60), 12);
}

// The signature is a coarse pre-selector with a high floor (common keys): on real templates mates
// share clearly more of it than non-mates.
TEST(MccMatcherTest, SignatureSimilarityIsHigherForMatesOnFvcIsoTemplates) {
  const auto dir = testing::FingerprintDataDir() / "fvc2002" / "DB2_B";
  ABIS_SKIP_UNLESS_EXISTS(dir);
  std::vector<FingerSignature> first, second;
  for (int finger = 101; finger <= 110; ++finger) {
    for (int impression : {1, 2}) {
      const auto path = dir / (std::to_string(finger) + "_" + std::to_string(impression) + ".iso");
      auto record = ReadMinutiaeRecord(testing::ReadBytes(path), path.string());
      ASSERT_TRUE(record.ok()) << record.status().ToString();
      (impression == 1 ? first : second).push_back(BuildFingerSignature(BuildMccTemplate(record->views[0].minutiae)));
    }
  }
  double genuine = 0, impostor = 0;
  for (std::size_t f = 0; f < first.size(); ++f) {
    genuine += CompareSignatures(first[f], second[f]) / first.size();
    for (std::size_t g = 0; g < first.size(); ++g) {
      if (g != f) impostor += CompareSignatures(first[f], second[g]) / (first.size() * (first.size() - 1));
    }
  }
  EXPECT_GT(genuine, impostor + 0.1) << genuine << " vs " << impostor;
}

TEST(MccMatcherTest, FvcIsoGenuinePairsOutscoreImpostorPairs) {
  const auto dir = testing::FingerprintDataDir() / "fvc2002" / "DB1_B";
  ABIS_SKIP_UNLESS_EXISTS(dir);
  std::vector<MccTemplate> first, second;
  for (int finger = 101; finger <= 110; ++finger) {
    for (int impression : {1, 2}) {
      const auto path = dir / (std::to_string(finger) + "_" + std::to_string(impression) + ".iso");
      auto record = ReadMinutiaeRecord(testing::ReadBytes(path), path.string());
      ASSERT_TRUE(record.ok()) << record.status().ToString();
      (impression == 1 ? first : second).push_back(BuildMccTemplate(record->views[0].minutiae));
    }
  }
  double min_genuine = 1, max_impostor = 0, mean_genuine = 0;
  for (std::size_t f = 0; f < first.size(); ++f) {
    const double genuine = CompareMcc(first[f], second[f]).score;
    mean_genuine += genuine / first.size();
    min_genuine = std::min(min_genuine, genuine);
    for (std::size_t g = 0; g < first.size(); ++g) {
      if (g != f) max_impostor = std::max(max_impostor, CompareMcc(first[f], second[g]).score);
    }
  }
  EXPECT_GT(mean_genuine, 3 * max_impostor);
  EXPECT_GT(min_genuine, 0.0);
}

}  // namespace
}  // namespace abis::finger
