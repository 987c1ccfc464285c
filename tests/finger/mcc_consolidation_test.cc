// The consolidation step of the MCC comparison (src/finger/mcc_consolidation.h), seen through
// CompareMcc's aligned_score / aligned_pairs, and its edge cases through the internal function.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "abis/finger/mcc_matcher.h"
#include "abis/finger/synthetic_minutiae.h"
#include "mcc_consolidation.h"

namespace abis::finger {
namespace {

MinutiaeTemplate BigFinger(std::uint64_t seed) { return SyntheticFinger(seed, {500, 500, 60, 14}); }

// Keeps the minutiae and the orientation-map blocks left of the vertical line x = cut (a partial,
// side-on impression).
MinutiaeTemplate LeftPart(const MinutiaeTemplate& finger, int cut) {
  MinutiaeTemplate part = finger;
  part.minutiae.clear();
  for (const Minutia& m : finger.minutiae) {
    if (m.x < cut) part.minutiae.push_back(m);
  }
  RidgeOrientationMap& map = part.orientation;
  for (int row = 0; row < map.rows; ++row) {
    for (int column = 0; column < map.columns; ++column) {
      if ((column + 1) * map.block_size > cut) {
        map.cells[static_cast<std::size_t>(row) * map.columns + column] = RidgeOrientationMap::kNoDirection;
      }
    }
  }
  return part;
}

MinutiaeTemplate WithoutMap(MinutiaeTemplate minutiae) {
  minutiae.orientation = {};
  return minutiae;
}

TEST(MccConsolidationTest, SelfComparisonPairsEveryCylinder) {
  const MccTemplate cylinders = BuildMccTemplate(BigFinger(7));
  ASSERT_GE(cylinders.size(), 20u);
  const MccComparison self = CompareMcc(cylinders, cylinders);
  EXPECT_EQ(self.aligned_pairs, static_cast<int>(cylinders.size()));
  EXPECT_NEAR(self.aligned_score, 1.0, 1e-6);
  // The orientation maps agree fully, so the factor is at its highest (the score clamped to 1).
  EXPECT_NEAR(self.orientation_agreement, 1.0, 1e-12);
  const MccParameters parameters;
  EXPECT_NEAR(self.score,
              std::min(1.0, std::sqrt(self.lss_r_score * self.aligned_score) *
                                std::exp(parameters.orientation_weight * (1 - parameters.orientation_neutral_agreement))),
              1e-12);
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
  // The same without orientation maps: the overlap is then the convex hull of the minutiae.
  const MccComparison by_hull = CompareMcc(BuildMccTemplate(WithoutMap(SyntheticImpression(LeftPart(finger, 250), 1, motion))),
                                           BuildMccTemplate(WithoutMap(finger)));
  EXPECT_GT(by_hull.aligned_score, 0.7) << by_hull.aligned_pairs;
}

TEST(MccConsolidationTest, WithMapsTheOverlapIsTheOthersClearAreaNotItsHull) {
  // A reference whose map has a direction only left of x = 250, though its minutiae (and so its
  // hull) cover the whole finger: under the identity alignment only the probe's cylinders on the
  // left count as overlapping it. Without maps the hull decides and all of them count.
  const MinutiaeTemplate finger = BigFinger(11);
  MinutiaeTemplate left_map_only = LeftPart(finger, 256);
  left_map_only.minutiae = finger.minutiae;
  const MccTemplate probe = BuildMccTemplate(finger);
  const MccTemplate reference = BuildMccTemplate(left_map_only);
  ASSERT_EQ(probe.size(), reference.size());
  int left_cylinders = 0;
  for (const MccTemplate::Centre& centre : probe.centres) left_cylinders += centre.x < 256;
  ASSERT_GT(left_cylinders, 5);
  ASSERT_LT(left_cylinders, static_cast<int>(probe.size()) - 5);
  const std::vector<float> similarity(probe.size() * probe.size(), 0.5f);
  const std::vector<std::pair<int, int>> anchor = {{0, 0}};  // the same minutia: identity alignment
  const MccParameters parameters;
  const internal::AlignedConsolidation by_map =
      internal::ConsolidateUnderAlignment(probe, reference, similarity, anchor, parameters);
  // Inside the finger's ellipse every block is directed, so "inside the clear area" is exactly
  // "left of 256" for the reference; the reference's cylinders all lie on the probe's full map.
  EXPECT_EQ(by_map.overlap_probe, left_cylinders);
  EXPECT_EQ(by_map.overlap_reference, static_cast<int>(probe.size()));
  const MccTemplate bare_probe = BuildMccTemplate(WithoutMap(finger));
  const internal::AlignedConsolidation by_hull =
      internal::ConsolidateUnderAlignment(bare_probe, reference, similarity, anchor, parameters);
  EXPECT_EQ(by_hull.overlap_probe, static_cast<int>(probe.size()));
}

TEST(MccConsolidationTest, DistortionGrowingWithDistanceIsTolerated) {
  const MinutiaeTemplate finger = BigFinger(9);
  MinutiaeTemplate stretched = finger;  // 10 % stretch along x about the centre: up to 25 px
  for (Minutia& m : stretched.minutiae) m.x = static_cast<int>(std::lround(250 + 1.1 * (m.x - 250)));
  const MccTemplate a = BuildMccTemplate(finger);
  const MccComparison comparison = CompareMcc(a, BuildMccTemplate(stretched));
  EXPECT_GE(comparison.aligned_pairs, static_cast<int>(0.9 * a.size())) << a.size();
}

// The first `count` cylinders of `cylinders` (a template as small as a sliver of a print).
MccTemplate FirstCylinders(const MccTemplate& cylinders, std::size_t count) {
  MccTemplate few;
  for (std::size_t i = 0; i < std::min(count, cylinders.size()); ++i) {
    few.centres.push_back(cylinders.centres[i]);
    few.cells.push_back(cylinders.cells[i]);
    few.validity.push_back(cylinders.validity[i]);
    few.valid_cell_bits.push_back(cylinders.valid_cell_bits[i]);
  }
  return few;
}

TEST(MccConsolidationTest, ComparisonIsSymmetric) {
  for (std::uint64_t f = 0; f < 12; ++f) {
    const MinutiaeTemplate finger = SyntheticFinger(700 + f);
    const MccTemplate a = BuildMccTemplate(SyntheticImpression(finger, 2 * f, TypicalImpressionOptions(2 * f)));
    const MccTemplate b = BuildMccTemplate(SyntheticImpression(finger, 2 * f + 1, TypicalImpressionOptions(2 * f + 1)));
    const MccTemplate other = BuildMccTemplate(SyntheticFinger(800 + f));
    for (const MccTemplate* reference : {&b, &other}) {
      const MccComparison forward = CompareMcc(a, *reference);
      const MccComparison backward = CompareMcc(*reference, a);
      EXPECT_NEAR(forward.lss_r_score, backward.lss_r_score, 1e-9) << f;
      EXPECT_NEAR(forward.aligned_score, backward.aligned_score, 1e-9) << f;
      EXPECT_EQ(forward.aligned_pairs, backward.aligned_pairs) << f;
      EXPECT_NEAR(forward.score, backward.score, 1e-9) << f;
    }
  }
}

TEST(MccConsolidationTest, TinyAndCollinearTemplatesScoreWithinRange) {
  const MccTemplate cylinders = BuildMccTemplate(BigFinger(12));
  ASSERT_GE(cylinders.size(), 3u);
  MccTemplate collinear = FirstCylinders(cylinders, 3);
  for (int i = 0; i < 3; ++i) {  // three centres on one line: the hull degenerates to a segment
    collinear.centres[i].x = 100.0f + 20.0f * static_cast<float>(i);
    collinear.centres[i].y = -100.0f - 20.0f * static_cast<float>(i);
  }
  for (const MccTemplate& small : {FirstCylinders(cylinders, 1), FirstCylinders(cylinders, 2), collinear}) {
    for (const MccComparison& comparison : {CompareMcc(small, cylinders), CompareMcc(cylinders, small),
                                            CompareMcc(small, small)}) {
      EXPECT_GE(comparison.score, 0.0);
      EXPECT_LE(comparison.score, 1.0);
      EXPECT_LE(comparison.aligned_pairs, static_cast<int>(small.size()));
    }
  }
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
  EXPECT_GT(worst_genuine, 1.5 * best_impostor) << worst_genuine << " vs " << best_impostor;
}

TEST(MccConsolidationTest, AnchorRuleIsMostPairsWithoutMapsAndBestScoreWithThem) {
  // Two anchors on one template compared with itself. The identity anchor pairs every cylinder
  // with itself at a local similarity of 0.01 (score about 0.01). A second anchor, between two
  // different cylinders, pairs few cylinders (at least the anchor itself, whose similarity is set
  // to 0.9), so its score is at least 0.9 / n. Without maps the anchor pairing the most cylinders
  // wins (the rule before the maps, kept so standard records score as before); with maps the
  // best score times orientation factor wins (weight 0 here, so the score alone decides).
  const MinutiaeTemplate with_map = BigFinger(13);
  MinutiaeTemplate without_map = with_map;
  without_map.orientation = {};
  for (const MinutiaeTemplate& minutiae : {without_map, with_map}) {
    const MccTemplate cylinders = BuildMccTemplate(minutiae);
    const std::size_t n = cylinders.size();
    ASSERT_GE(n, 20u);
    std::vector<float> similarity(n * n, 0.0f);
    for (std::size_t i = 0; i < n; ++i) similarity[i * n + i] = 0.01f;
    similarity[0 * n + 7] = 0.9f;
    const std::vector<std::pair<int, int>> anchors = {{0, 0}, {0, 7}};
    MccParameters parameters;
    parameters.orientation_weight = 0;
    const internal::AlignedConsolidation best =
        internal::ConsolidateUnderAlignment(cylinders, cylinders, similarity, anchors, parameters);
    if (minutiae.orientation.empty()) {
      EXPECT_EQ(best.paired, static_cast<int>(n));  // the identity anchor
      EXPECT_LT(best.score, 0.02);
    } else {
      EXPECT_LT(best.paired, static_cast<int>(n) / 2);  // the other anchor
      EXPECT_GE(best.score, 0.9 / static_cast<double>(n));
    }
  }
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
