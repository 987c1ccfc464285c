// Orientation-map agreement under an alignment (src/finger/orientation_agreement.h) and its part
// in the MCC score.
#include "orientation_agreement.h"

#include <gtest/gtest.h>

#include <algorithm>
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
  motion.dx = 40;
  motion.dy = -30;
  const MccTemplate a = BuildMccTemplate(finger);
  const MccTemplate b = BuildMccTemplate(SyntheticImpression(finger, 1, motion));
  const OrientationAgreement right = CompareOrientationMaps(a, b, ImpressionAlignment(finger, motion));
  EXPECT_TRUE(right.compared);
  EXPECT_GT(right.mean_cosine, 0.95);
  ImpressionOptions wrong = motion;
  wrong.rotation = -0.4;
  EXPECT_LT(CompareOrientationMaps(a, b, ImpressionAlignment(finger, wrong)).mean_cosine, right.mean_cosine - 0.3);
}

TEST(OrientationAgreementTest, EachDirectionAgreesOnItsOwn) {
  // The mean averages a->b and b->a, the second under the inverse motion the code derives; a wrong
  // inverse (e.g. the translation negated) would spoil that half. Swapping the roles under the
  // inverse motion built here from the impression's definition (not from the code's formula)
  // must agree just as well.
  const MinutiaeTemplate finger = SyntheticFinger(12);
  ImpressionOptions motion;
  motion.rotation = -0.35;
  motion.dx = 35;
  motion.dy = 25;
  MinutiaeTemplate moved = SyntheticImpression(finger, 4, motion);
  const MccTemplate a = BuildMccTemplate(finger);
  const MccTemplate b = BuildMccTemplate(moved);
  // Inverse of "rotate by r about the centre, then shift by d": shift by -d, then rotate by -r
  // about the centre, i.e. rotate by -r about the centre and shift by -R(-r) d.
  const double c = std::cos(-motion.rotation), s = std::sin(-motion.rotation);
  ImpressionOptions back;
  back.rotation = -motion.rotation;
  back.dx = -(c * motion.dx + s * motion.dy);  // image frame (y down): R(-r) applied to (dx, dy)
  back.dy = -(-s * motion.dx + c * motion.dy);
  const OrientationAgreement forward = CompareOrientationMaps(a, b, ImpressionAlignment(finger, motion));
  const OrientationAgreement backward = CompareOrientationMaps(b, a, ImpressionAlignment(finger, back));
  EXPECT_GT(forward.mean_cosine, 0.95);
  EXPECT_GT(backward.mean_cosine, 0.95);
  EXPECT_NEAR(forward.mean_cosine, backward.mean_cosine, 0.02);
  EXPECT_NEAR(forward.cells, backward.cells, 4);
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
  EXPECT_NEAR(ab.cells, ba.cells, 2);  // cells on a block border may round either way
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

TEST(OrientationAgreementTest, MapsWithoutClearAreaOrWithInvalidCellsAreNotRelied) {
  MinutiaeTemplate a = SyntheticFinger(13);
  MinutiaeTemplate b = SyntheticImpression(a, 5, TypicalImpressionOptions(5));
  MinutiaeTemplate bare_a = a, bare_b = b;
  bare_a.orientation = {};
  bare_b.orientation = {};
  const double minutiae_only = CompareMcc(BuildMccTemplate(bare_a), BuildMccTemplate(bare_b)).score;
  ASSERT_GT(minutiae_only, 0);
  // No block clear (all 255): the map is not used, the score is the minutiae score.
  MinutiaeTemplate blank = b;
  std::fill(blank.orientation.cells.begin(), blank.orientation.cells.end(), RidgeOrientationMap::kNoDirection);
  const MccComparison with_blank = CompareMcc(BuildMccTemplate(a), BuildMccTemplate(blank));
  EXPECT_DOUBLE_EQ(with_blank.score, minutiae_only);
  EXPECT_FALSE(HasOrientationMap(BuildMccTemplate(blank)));
  // Values 180-254 (refused by the template decoder, possible in memory) count as no direction:
  // no out-of-range table index (the sanitizer build would report it), the same result as 255.
  MinutiaeTemplate invalid = b;
  for (std::uint8_t& cell : invalid.orientation.cells) {
    if (cell == RidgeOrientationMap::kNoDirection) cell = 254;
  }
  const MccComparison with_invalid = CompareMcc(BuildMccTemplate(a), BuildMccTemplate(invalid));
  EXPECT_DOUBLE_EQ(with_invalid.score, CompareMcc(BuildMccTemplate(a), BuildMccTemplate(b)).score);
}

TEST(OrientationAgreementTest, MatesAgreeBetterThanImpostorsAndGainFromTheMaps) {
  // Over synthetic fingers: under the matcher's alignment an impression's map agrees with its own
  // finger's better than another finger's impression does, and the maps raise the mate's score
  // above its minutiae-only score. (The synthetic fingers share one kind of singular point and
  // differ by phase, so an impostor's flow can agree fairly well too: the test ranks, it does not
  // demand that impostors always lose.)
  int mates_raised = 0, mates_agree_better = 0;
  constexpr int kFingers = 12;
  auto without_map = [](MinutiaeTemplate t) {
    t.orientation = {};
    return BuildMccTemplate(t);
  };
  for (int f = 0; f < kFingers; ++f) {
    const MinutiaeTemplate finger = SyntheticFinger(100 + f);
    const MinutiaeTemplate mate = SyntheticImpression(finger, f, TypicalImpressionOptions(f));
    const MinutiaeTemplate impostor = SyntheticImpression(SyntheticFinger(200 + f), f, TypicalImpressionOptions(f));
    const MccComparison genuine = CompareMcc(BuildMccTemplate(mate), BuildMccTemplate(finger));
    const MccComparison different = CompareMcc(BuildMccTemplate(impostor), BuildMccTemplate(finger));
    mates_raised += genuine.score > CompareMcc(without_map(mate), without_map(finger)).score;
    mates_agree_better += genuine.orientation_agreement > different.orientation_agreement;
  }
  EXPECT_GE(mates_raised, kFingers - 1);
  EXPECT_GE(mates_agree_better, kFingers - 1);
}

}  // namespace
}  // namespace abis::finger::internal
