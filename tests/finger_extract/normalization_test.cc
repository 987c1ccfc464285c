// Contrast normalisation (src/finger_extract/extractor/stages.h, NormalizeContrast): faint and
// dark regions of one finger come out with the same ridge contrast, flat patches are not blown up
// into noise, and nothing is left outside the mask.
#include <cmath>

#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include "extractor/stages.h"

namespace abis::finger::extractor {
namespace {

constexpr int kSide = 320;
constexpr double kRidgePeriod = 9.0;  // pixels

// Vertical ridges around grey 128 whose amplitude is `left` on the left half and `right` on the
// right half of the image (a light and a heavy press side by side).
cv::Mat RidgesWithAmplitudes(double left, double right) {
  cv::Mat image(kSide, kSide, CV_8U);
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      const double amplitude = x < kSide / 2 ? left : right;
      image.at<std::uint8_t>(y, x) = cv::saturate_cast<std::uint8_t>(128 + amplitude * std::cos(2 * M_PI * x / kRidgePeriod));
    }
  }
  return image;
}

double DeviationIn(const cv::Mat& image, const cv::Rect& patch) {
  cv::Scalar mean, deviation;
  cv::meanStdDev(image(patch), mean, deviation);
  return deviation[0];
}

// Patches well inside each half (more than two smoothing windows from the middle line).
const cv::Rect kLeftPatch(16, 120, 64, 80);
const cv::Rect kRightPatch(kSide - 80, 120, 64, 80);

TEST(NormalizationTest, FaintAndDarkRidgesGetTheSameContrast) {
  const cv::Mat mask(kSide, kSide, CV_8U, cv::Scalar(255));
  const cv::Mat normalized = NormalizeContrast(RidgesWithAmplitudes(8, 60), mask);
  const double faint = DeviationIn(normalized, kLeftPatch), dark = DeviationIn(normalized, kRightPatch);
  EXPECT_NEAR(faint, 1.0, 0.2);
  EXPECT_NEAR(dark, 1.0, 0.2);
  EXPECT_NEAR(faint / dark, 1.0, 0.15);  // a global normalisation leaves them 7.5x apart
}

TEST(NormalizationTest, DoesNotAmplifyAFlatPatchIntoNoise) {
  const cv::Mat mask(kSide, kSide, CV_8U, cv::Scalar(255));
  cv::Mat image = RidgesWithAmplitudes(0, 60);
  // One grey level of pixel noise on the flat half.
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide / 2; ++x) image.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>(128 + (x + y) % 2);
  }
  const cv::Mat normalized = NormalizeContrast(image, mask);
  EXPECT_NEAR(DeviationIn(normalized, kRightPatch), 1.0, 0.2);
  EXPECT_LT(DeviationIn(normalized, kLeftPatch), 0.3);  // unfloored, the noise would reach 1
}

TEST(NormalizationTest, IsZeroOutsideTheMaskAndUnaffectedByTheBackground) {
  cv::Mat mask(kSide, kSide, CV_8U, cv::Scalar(0));
  mask(cv::Rect(0, 0, kSide, kSide / 2)).setTo(255);
  cv::Mat image = RidgesWithAmplitudes(30, 30);
  image(cv::Rect(0, kSide / 2, kSide, kSide / 2)).setTo(250);  // bright background below the finger
  const cv::Mat normalized = NormalizeContrast(image, mask);
  EXPECT_EQ(cv::countNonZero(normalized(cv::Rect(0, kSide / 2, kSide, kSide / 2))), 0);
  // Ridges next to the mask border keep the contrast of those far from it: the background's
  // grey level does not leak into the local mean and deviation.
  const double near_border = DeviationIn(normalized, cv::Rect(40, kSide / 2 - 12, 240, 10));
  const double inside = DeviationIn(normalized, cv::Rect(40, 40, 240, 10));
  EXPECT_NEAR(near_border / inside, 1.0, 0.15);
  double low = 0, high = 0;
  cv::minMaxLoc(normalized, &low, &high);
  EXPECT_TRUE(std::isfinite(low) && std::isfinite(high));
}

}  // namespace
}  // namespace abis::finger::extractor
