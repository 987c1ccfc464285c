// Orientation-map agreement under an alignment (src/finger/orientation_agreement.h) and its part
// in the MCC score.
#include "orientation_agreement.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "abis/finger/mcc_matcher.h"
#include "abis/finger/synthetic_minutiae.h"

namespace abis::finger::internal {
namespace {

int DirectedCells(const RidgeOrientationMap& map) {
  int count = 0;
  for (const std::uint8_t cell : map.cells) count += cell != RidgeOrientationMap::kNoDirection;
  return count;
}

// The upright-frame alignment that SyntheticImpression applies (rotation about the image centre,
// counter-clockwise on screen, then a shift in image pixels).
RigidAlignment ImpressionAlignment(const MinutiaeTemplate& finger, const ImpressionOptions& motion) {
  const double cx = finger.width / 2.0, cy = -finger.height / 2.0;
  const double c = std::cos(motion.rotation), s = std::sin(motion.rotation);
  return {motion.rotation, cx + motion.dx - (c * cx - s * cy), cy - motion.dy - (s * cx + c * cy)};
}

TEST(OrientationAgreementTest, IdenticalMapsAgreeFully) {
  const MinutiaeTemplate finger = SyntheticFinger(3);
  const MccTemplate a = BuildMccTemplate(finger);
  const OrientationAgreement agreement = CompareOrientationMaps(a, a, {});
  EXPECT_TRUE(agreement.compared);
  EXPECT_NEAR(agreement.mean_cosine, 1.0, 1e-12);
  EXPECT_EQ(agreement.cells, 2 * DirectedCells(finger.orientation));
}

TEST(OrientationAgreementTest, PerpendicularFlowDisagreesFully) {
  const MinutiaeTemplate finger = SyntheticFinger(4);
  MinutiaeTemplate crossed = finger;
  for (std::uint8_t& cell : crossed.orientation.cells) {
    if (cell != RidgeOrientationMap::kNoDirection) cell = static_cast<std::uint8_t>((cell + 90) % 180);
  }
  const OrientationAgreement agreement = CompareOrientationMaps(BuildMccTemplate(finger), BuildMccTemplate(crossed), {});
  EXPECT_NEAR(agreement.mean_cosine, -1.0, 1e-12);
}

TEST(OrientationAgreementTest, TheAlignmentsRotationTurnsTheDirections) {
  const MinutiaeTemplate finger = SyntheticFinger(5);
  ImpressionOptions motion;
  motion.rotation = 0.4;
  motion.dx = 12;
  motion.dy = -9;
  const MccTemplate a = BuildMccTemplate(finger);
  const MccTemplate b = BuildMccTemplate(SyntheticImpression(finger, 1, motion));
  const OrientationAgreement right = CompareOrientationMaps(a, b, ImpressionAlignment(finger, motion));
  EXPECT_GT(right.mean_cosine, 0.95);
  EXPECT_GT(right.cells, DirectedCells(finger.orientation));  // most cells overlap, both ways
  ImpressionOptions wrong = motion;
  wrong.rotation = -0.4;
  EXPECT_LT(CompareOrientationMaps(a, b, ImpressionAlignment(finger, wrong)).mean_cosine, right.mean_cosine - 0.3);
}

TEST(OrientationAgreementTest, IsSymmetricUnderTheInverseAlignment) {
  const MinutiaeTemplate finger = SyntheticFinger(6);
  ImpressionOptions motion;
  motion.rotation = -0.3;
  motion.dx = 25;
  const MccTemplate a = BuildMccTemplate(finger);
  const MccTemplate b = BuildMccTemplate(SyntheticImpression(SyntheticFinger(7), 2, motion));
  const RigidAlignment forward{0.3, 14, -20};
  const double c = std::cos(forward.rotation), s = std::sin(forward.rotation);
  const RigidAlignment inverse{-forward.rotation, -(c * forward.translation_x + s * forward.translation_y),
                               -(-s * forward.translation_x + c * forward.translation_y)};
  const OrientationAgreement ab = CompareOrientationMaps(a, b, forward);
  const OrientationAgreement ba = CompareOrientationMaps(b, a, inverse);
  EXPECT_NEAR(ab.mean_cosine, ba.mean_cosine, 1e-9);
  EXPECT_EQ(ab.cells, ba.cells);
}

TEST(OrientationAgreementTest, MapsAtAnotherResolutionAreRescaled) {
  MinutiaeTemplate finger = SyntheticFinger(8);
  MinutiaeTemplate doubled = finger;  // the same finger at 1000 ppi: coordinates and blocks twice as large
  doubled.resolution_ppi = 1000;
  doubled.width *= 2;
  doubled.height *= 2;
  for (Minutia& m : doubled.minutiae) {
    m.x *= 2;
    m.y *= 2;
  }
  doubled.orientation.block_size *= 2;
  const OrientationAgreement agreement = CompareOrientationMaps(BuildMccTemplate(finger), BuildMccTemplate(doubled), {});
  EXPECT_NEAR(agreement.mean_cosine, 1.0, 1e-12);
  EXPECT_EQ(agreement.cells, 2 * DirectedCells(finger.orientation));
}

TEST(OrientationAgreementTest, MissingOrMalformedMapsAreNotCompared) {
  MinutiaeTemplate finger = SyntheticFinger(9);
  const MccTemplate with_map = BuildMccTemplate(finger);
  MinutiaeTemplate bare = finger;
  bare.orientation = {};
  EXPECT_FALSE(CompareOrientationMaps(with_map, BuildMccTemplate(bare), {}).compared);
  MinutiaeTemplate short_map = finger;
  short_map.orientation.cells.pop_back();
  EXPECT_FALSE(CompareOrientationMaps(BuildMccTemplate(short_map), with_map, {}).compared);
  const MccParameters parameters;
  EXPECT_EQ(OrientationFactor({}, parameters), 1.0);
  EXPECT_NEAR(OrientationFactor({true, 1.0, 10}, parameters),
              std::exp(parameters.orientation_weight * (1 - parameters.orientation_neutral_agreement)), 1e-12);
  EXPECT_LT(OrientationFactor({true, 0.5, 10}, parameters), OrientationFactor({true, 0.9, 10}, parameters));
}

TEST(OrientationAgreementTest, ScoreWithoutMapsIsTheMinutiaeScore) {
  MinutiaeTemplate a = SyntheticFinger(10);
  MinutiaeTemplate b = SyntheticImpression(a, 3, TypicalImpressionOptions(3));
  a.orientation = {};
  b.orientation = {};
  const MccComparison comparison = CompareMcc(BuildMccTemplate(a), BuildMccTemplate(b));
  EXPECT_GT(comparison.score, 0);
  EXPECT_NEAR(comparison.score, std::sqrt(comparison.lss_r_score * comparison.aligned_score), 1e-12);
  EXPECT_EQ(comparison.orientation_cells, 0);
}

TEST(OrientationAgreementTest, MatesAgreeAndTheScoreRisesWhileImpostorsFall) {
  // Over a few synthetic fingers: an impression's orientation agrees with its finger's under the
  // matcher's alignment, another finger's does not, and the factor moves the scores apart.
  int mates_agreeing = 0, impostors_disagreeing = 0;
  constexpr int kFingers = 12;
  for (int f = 0; f < kFingers; ++f) {
    const MinutiaeTemplate finger = SyntheticFinger(100 + f);
    const MccTemplate reference = BuildMccTemplate(finger);
    const MccTemplate mate = BuildMccTemplate(SyntheticImpression(finger, f, TypicalImpressionOptions(f)));
    const MinutiaeTemplate other = SyntheticFinger(200 + f);
    const MccTemplate impostor = BuildMccTemplate(SyntheticImpression(other, f, TypicalImpressionOptions(f)));
    const MccComparison genuine = CompareMcc(mate, reference);
    const MccComparison different = CompareMcc(impostor, reference);
    mates_agreeing += genuine.orientation_agreement > 0.9;
    impostors_disagreeing += different.orientation_agreement < 0.9;
  }
  EXPECT_GE(mates_agreeing, kFingers - 1);
  EXPECT_GE(impostors_disagreeing, kFingers / 2);
}

}  // namespace
}  // namespace abis::finger::internal
