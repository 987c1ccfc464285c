// Slap segmentation on slaps composed from the project's synthetic prints (known boxes, hand
// angles and missing fingers), and its refusals of bad input.
#include "abis/finger_extract/slap_segmentation.h"

#include <gtest/gtest.h>

#include <cmath>

#include "abis/finger_extract/slap_composer.h"
#include "abis/finger_extract/synth.h"

namespace abis::finger {
namespace {

std::vector<GrayImage> SyntheticPrints(int count, std::uint64_t seed) {
  std::vector<GrayImage> prints;
  for (int i = 0; i < count; ++i) prints.push_back(GenerateSyntheticFinger(seed, i, 1).impressions.front().image);
  return prints;
}

double AngleError(double a, double b) {
  double d = std::fmod(std::abs(a - b), 360.0);
  return d > 180 ? 360 - d : d;
}

// Every composed finger is found at its position, its centre within a quarter of its height and
// its angle within 15 degrees; the missing ones are reported missing.
void ExpectSegmentedAsComposed(const ComposedSlap& slap, const SlapSegmentation& found) {
  ASSERT_EQ(found.segments.size(), slap.fingers.size());
  EXPECT_EQ(found.missing_positions, slap.missing_positions);
  for (const ComposedFinger& truth : slap.fingers) {
    const SlapSegment* segment = nullptr;
    for (const SlapSegment& candidate : found.segments) {
      if (candidate.position == truth.position) segment = &candidate;
    }
    ASSERT_NE(segment, nullptr) << "finger " << truth.position << " not found";
    EXPECT_LT(std::hypot(segment->box.centre_x - truth.box.centre_x, segment->box.centre_y - truth.box.centre_y),
              0.25 * truth.box.height)
        << "finger " << truth.position;
    EXPECT_LT(AngleError(segment->box.angle_degrees, truth.box.angle_degrees), 15.0) << "finger " << truth.position;
    EXPECT_GT(segment->box.width, 0.6 * truth.box.width);
    EXPECT_LT(segment->box.width, 1.5 * truth.box.width);
    EXPECT_FALSE(segment->crop.pixels.empty());
  }
}

SlapSegmenterOptions Fast() {
  SlapSegmenterOptions options;
  options.measure_quality = false;
  return options;
}

TEST(SlapSegmentation, RightFourFingersGetPositionsTwoToFiveAndTheirBoxes) {
  SlapComposition composition;
  composition.kind = SlapKind::kRightFour;
  auto slap = ComposeSlap(SyntheticPrints(4, 3), composition);
  ASSERT_TRUE(slap.ok()) << slap.status().ToString();
  auto found = SegmentSlap(slap->image, SlapKind::kRightFour, "right.png");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ExpectSegmentedAsComposed(*slap, *found);
  EXPECT_EQ(found->segments.front().position, 2);  // index left-most, as on a card
  EXPECT_EQ(found->segments.back().position, 5);
  for (const SlapSegment& segment : found->segments) {
    EXPECT_GE(segment.quality, 0) << "quality measured";
    EXPECT_TRUE(segment.quality_problem.empty()) << segment.quality_problem;
  }
}

TEST(SlapSegmentation, TurnedLeftHandIsFollowed) {
  for (double angle : {-22.0, 18.0}) {
    SlapComposition composition;
    composition.kind = SlapKind::kLeftFour;
    composition.hand_angle_degrees = angle;
    composition.seed = 7;
    auto slap = ComposeSlap(SyntheticPrints(4, 5), composition);
    ASSERT_TRUE(slap.ok());
    auto found = SegmentSlap(slap->image, SlapKind::kLeftFour, "left.png", Fast());
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    EXPECT_NEAR(found->hand_angle_degrees, angle, 10.0);
    ExpectSegmentedAsComposed(*slap, *found);
    EXPECT_EQ(found->segments.front().position, 10);  // little left-most on a left slap
  }
}

TEST(SlapSegmentation, MissingFingerIsReportedNotFilledByShifting) {
  for (int missing : {2, 4, 5}) {
    SlapComposition composition;
    composition.kind = SlapKind::kRightFour;
    composition.missing_positions = {missing};
    composition.seed = 11 + static_cast<std::uint64_t>(missing);
    auto slap = ComposeSlap(SyntheticPrints(4, 9), composition);
    ASSERT_TRUE(slap.ok());
    auto found = SegmentSlap(slap->image, SlapKind::kRightFour, "right.png", Fast());
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    ExpectSegmentedAsComposed(*slap, *found);
  }
}

TEST(SlapSegmentation, BothThumbsLeftThumbOnTheLeft) {
  SlapComposition composition;
  composition.kind = SlapKind::kBothThumbs;
  composition.hand_angle_degrees = 8;
  auto slap = ComposeSlap(SyntheticPrints(2, 13), composition);
  ASSERT_TRUE(slap.ok());
  auto found = SegmentSlap(slap->image, SlapKind::kBothThumbs, "thumbs.png", Fast());
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ExpectSegmentedAsComposed(*slap, *found);
  EXPECT_EQ(found->segments.front().position, 6);
}

TEST(SlapSegmentation, ComposerIsDeterministic) {
  SlapComposition composition;
  composition.seed = 42;
  composition.hand_angle_degrees = 10;
  auto prints = SyntheticPrints(4, 1);
  auto a = ComposeSlap(prints, composition);
  auto b = ComposeSlap(prints, composition);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->image.pixels, b->image.pixels);
}

TEST(SlapSegmentation, BadInputIsRefusedWithTheReason) {
  GrayImage empty;
  auto result = SegmentSlap(empty, SlapKind::kRightFour, "empty.png");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("empty.png: empty image"), std::string::npos) << result.status().message();

  GrayImage blank;
  blank.width = 800;
  blank.height = 500;
  blank.pixels.assign(800 * 500, 250);
  result = SegmentSlap(blank, SlapKind::kLeftFour, "blank.png");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("no finger found"), std::string::npos) << result.status().message();

  GrayImage inconsistent = blank;
  inconsistent.pixels.resize(10);
  EXPECT_FALSE(SegmentSlap(inconsistent, SlapKind::kLeftFour, "x").ok());

  EXPECT_FALSE(ParseSlapKind("upper").ok());
  auto fgp = SlapKindFromFingerPosition(7);
  ASSERT_FALSE(fgp.ok());
  EXPECT_NE(fgp.status().message().find("finger position 7 is not a plain slap"), std::string::npos);
  EXPECT_EQ(*SlapKindFromFingerPosition(15), SlapKind::kBothThumbs);

  SlapComposition composition;
  composition.missing_positions = {7};  // a left finger on a right slap
  EXPECT_FALSE(ComposeSlap(SyntheticPrints(4, 1), composition).ok());
  EXPECT_FALSE(ComposeSlap(SyntheticPrints(3, 1), SlapComposition{}).ok());
}

TEST(SlapSegmentation, BoxBoundsAreClippedAndOrdered) {
  RotatedBox box{100, 50, 80, 120, 30};
  const auto bounds = box.Bounds(150, 100);
  EXPECT_GE(bounds[0], 0);
  EXPECT_LT(bounds[0], bounds[2]);
  EXPECT_LT(bounds[1], bounds[3]);
  EXPECT_LE(bounds[2], 150);
  EXPECT_LE(bounds[3], 100);
  // An upright box's corners are its edges.
  RotatedBox upright{50, 60, 20, 40, 0};
  EXPECT_NEAR(upright.Corners()[0][0], 40, 1e-9);
  EXPECT_NEAR(upright.Corners()[0][1], 40, 1e-9);  // top-left: the fingertip end is up
  EXPECT_NEAR(upright.Corners()[2][1], 80, 1e-9);
}

}  // namespace
}  // namespace abis::finger
