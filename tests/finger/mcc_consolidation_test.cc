// The consolidation step of the MCC comparison (src/finger/mcc_consolidation.h), seen through
// CompareMcc's aligned_score / aligned_pairs, and its edge cases through the internal function.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "../../src/finger/mcc_consolidation.h"
#include "abis/finger/mcc_matcher.h"
#include "abis/finger/synthetic_minutiae.h"

namespace abis::finger {
namespace {

MinutiaeTemplate BigFinger(std::uint64_t seed) { return SyntheticFinger(seed, {500, 500, 60, 14}); }

// Keeps the minutiae left of the vertical line x = cut (a partial, side-on impression).
MinutiaeTemplate LeftPart(const MinutiaeTemplate& finger, int cut) {
  MinutiaeTemplate part = finger;
  part.minutiae.clear();
  for (const Minutia& m : finger.minutiae) {
    if (m.x < cut) part.minutiae.push_back(m);
  }
  return part;
}

TEST(MccConsolidationTest, SelfComparisonPairsEveryCylinder) {
  const MccTemplate cylinders = BuildMccTemplate(BigFinger(7));
  ASSERT_GE(cylinders.size(), 20u);
  const MccComparison self = CompareMcc(cylinders, cylinders);
  EXPECT_EQ(self.aligned_pairs, static_cast<int>(cylinders.size()));
  EXPECT_NEAR(self.aligned_score, 1.0, 1e-6);
  EXPECT_NEAR(self.score, std::sqrt(self.lss_r_score * self.aligned_score), 1e-12);
}

TEST(MccConsolidationTest, PartialImpressionIsJudgedByItsOverlapNotItsSize) {
  const MinutiaeTemplate finger = BigFinger(8);
  ImpressionOptions motion;
  motion.rotation = 0.2;
  motion.dx = 20;
  const MccTemplate full = BuildMccTemplate(finger);
  const MccTemplate part = BuildMccTemplate(SyntheticImpression(LeftPart(finger, 250), 1, motion));
  ASSERT_GE(part.size(), 8u);
  ASSERT_GE(full.size(), part.size() + 10);
  const MccComparison comparison = CompareMcc(part, full);
  // Nearly all of the part's cylinders agree, and the full print's cylinders outside the part's
  // area do not count against it.
  EXPECT_GE(comparison.aligned_pairs, static_cast<int>(0.8 * part.size())) << part.size();
  EXPECT_GT(comparison.aligned_score, 0.7) << comparison.aligned_pairs;
}

TEST(MccConsolidationTest, DistortionGrowingWithDistanceIsTolerated) {
  const MinutiaeTemplate finger = BigFinger(9);
  MinutiaeTemplate stretched = finger;  // 10 % stretch along x about the centre: up to 25 px
  for (Minutia& m : stretched.minutiae) m.x = static_cast<int>(std::lround(250 + 1.1 * (m.x - 250)));
  const MccTemplate a = BuildMccTemplate(finger);
  const MccComparison comparison = CompareMcc(a, BuildMccTemplate(stretched));
  EXPECT_GE(comparison.aligned_pairs, static_cast<int>(0.9 * a.size())) << a.size();
}

TEST(MccConsolidationTest, DifferentFingersAgreeFarLessThanImpressionsOfOneFinger) {
  double worst_genuine = 1, best_impostor = 0;
  for (std::uint64_t f = 0; f < 10; ++f) {
    const MinutiaeTemplate finger = SyntheticFinger(300 + f);
    const MccTemplate a = BuildMccTemplate(SyntheticImpression(finger, 2 * f, TypicalImpressionOptions(2 * f)));
    const MccTemplate b = BuildMccTemplate(SyntheticImpression(finger, 2 * f + 1, TypicalImpressionOptions(2 * f + 1)));
    const MccTemplate other = BuildMccTemplate(SyntheticFinger(900 + f));
    worst_genuine = std::min(worst_genuine, CompareMcc(a, b).aligned_score);
    best_impostor = std::max(best_impostor, CompareMcc(a, other).aligned_score);
  }
  EXPECT_GT(worst_genuine, best_impostor) << worst_genuine << " vs " << best_impostor;
}

TEST(MccConsolidationTest, NoAnchorOrNoCylinderGivesZero) {
  const MccTemplate cylinders = BuildMccTemplate(BigFinger(10));
  const std::vector<float> similarity(cylinders.size() * cylinders.size(), 1.0f);
  const MccParameters parameters;
  const internal::AlignedConsolidation none =
      internal::ConsolidateUnderAlignment(cylinders, cylinders, similarity, {}, parameters);
  EXPECT_EQ(none.paired, 0);
  EXPECT_EQ(none.score, 0.0);
  const std::vector<std::pair<int, int>> anchor = {{0, 0}};
  const internal::AlignedConsolidation empty =
      internal::ConsolidateUnderAlignment(MccTemplate{}, cylinders, {}, anchor, parameters);
  EXPECT_EQ(empty.paired, 0);
  EXPECT_EQ(empty.score, 0.0);
}

}  // namespace
}  // namespace abis::finger
