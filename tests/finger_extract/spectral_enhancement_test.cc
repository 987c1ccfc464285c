// Contextual enhancement (src/finger_extract/extractor/stages.h, EnhanceRidges): ridges broken
// into dots come out continuous, curved ridges keep their course, and nothing is produced outside
// the mask.
#include <cmath>
#include <numbers>

#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include "extractor/stages.h"

namespace abis::finger::extractor {
namespace {

constexpr int kSide = 256;
constexpr double kPeriod = 9.0;  // pixels between ridges
constexpr double kPi = std::numbers::pi;

// A normalised image (ridges negative, as NormalizeContrast leaves them) from a ridge "darkness"
// in [0, 1] per pixel.
template <typename Darkness>
cv::Mat NormalisedRidges(Darkness darkness) {
  cv::Mat image(kSide, kSide, CV_32F);
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) image.at<float>(y, x) = static_cast<float>(0.5 - darkness(x, y));
  }
  return image;
}

template <typename RidgeAngle>
OrientationField Field(RidgeAngle ridge_angle) {
  OrientationField field;
  field.angle.create(kSide, kSide, CV_32F);
  field.coherence = cv::Mat(kSide, kSide, CV_32F, cv::Scalar(1));
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) field.angle.at<float>(y, x) = static_cast<float>(ridge_angle(x, y));
  }
  return field;
}

cv::Mat Wavelengths(double wavelength) {
  return cv::Mat((kSide + kBlockSize - 1) / kBlockSize, (kSide + kBlockSize - 1) / kBlockSize, CV_32F,
                 cv::Scalar(wavelength));
}

// Vertical ridges centred on x = k * kPeriod, each broken into 4-pixel dots every 12 pixels: two
// thirds of every ridge line is as light as the valleys.
double DottedRidge(int x, int y) {
  const double across = 0.5 + 0.5 * std::cos(2 * kPi * x / kPeriod);
  return (y % 12) < 4 ? across : 0.0;
}

TEST(SpectralEnhancementTest, BridgesRidgesBrokenIntoDots) {
  const cv::Mat mask(kSide, kSide, CV_8U, cv::Scalar(255));
  const cv::Mat input = NormalisedRidges(DottedRidge);
  const cv::Mat enhanced = EnhanceRidges(input, Field([](int, int) { return kPi / 2; }), Wavelengths(kPeriod), mask);
  int ridge_pixels = 0, ridge_positive = 0, input_dark = 0, valley_pixels = 0, valley_negative = 0;
  for (int k = 4; k * kPeriod < kSide - 32; ++k) {
    const int ridge_x = static_cast<int>(std::lround(k * kPeriod));
    const int valley_x = static_cast<int>(std::lround((k + 0.5) * kPeriod));
    for (int y = 32; y < kSide - 32; ++y) {
      ++ridge_pixels;
      ridge_positive += enhanced.at<float>(y, ridge_x) > 0;
      input_dark += input.at<float>(y, ridge_x) < 0;
      ++valley_pixels;
      valley_negative += enhanced.at<float>(y, valley_x) < 0;
    }
  }
  ASSERT_GT(ridge_pixels, 1000);
  EXPECT_LT(input_dark, ridge_pixels / 2);       // the input ridges are mostly gaps
  EXPECT_EQ(ridge_positive, ridge_pixels);       // every gap is bridged
  EXPECT_EQ(valley_negative, valley_pixels);     // and no ridge appears in a valley
}

TEST(SpectralEnhancementTest, KeepsCurvedRidgesOnTheirCourse) {
  // Concentric ridges around the centre (a whorl): a filter tuned to the ridge direction instead
  // of its normal, or one that straightens the curves, loses them.
  const double c = kSide / 2.0;
  auto radius = [c](int x, int y) { return std::hypot(x - c, y - c); };
  const cv::Mat mask(kSide, kSide, CV_8U, cv::Scalar(255));
  const cv::Mat input = NormalisedRidges([&](int x, int y) { return 0.5 + 0.5 * std::cos(2 * kPi * radius(x, y) / kPeriod); });
  const cv::Mat enhanced = EnhanceRidges(input, Field([c](int x, int y) {
                                           double tangent = std::atan2(y - c, x - c) + kPi / 2;
                                           return std::fmod(tangent + 2 * kPi, kPi);
                                         }),
                                         Wavelengths(kPeriod), mask);
  int compared = 0, agreeing = 0;
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      const double r = radius(x, y);
      const double phase = std::fmod(r / kPeriod, 1.0);
      if (r < 24 || r > c - 16 || std::abs(phase - 0.25) < 0.1 || std::abs(phase - 0.75) < 0.1) continue;
      ++compared;
      agreeing += (enhanced.at<float>(y, x) > 0) == (input.at<float>(y, x) < 0);
    }
  }
  ASSERT_GT(compared, 10000);
  EXPECT_GT(static_cast<double>(agreeing) / compared, 0.98);
}

TEST(SpectralEnhancementTest, IsZeroOutsideTheMaskAndFinite) {
  cv::Mat mask(kSide, kSide, CV_8U, cv::Scalar(0));
  mask(cv::Rect(40, 30, 150, 170)).setTo(255);
  const cv::Mat enhanced = EnhanceRidges(NormalisedRidges(DottedRidge), Field([](int, int) { return kPi / 2; }),
                                         Wavelengths(kPeriod), mask);
  cv::Mat outside = enhanced.clone();
  outside.setTo(0, mask);
  EXPECT_EQ(cv::countNonZero(outside), 0);
  EXPECT_TRUE(cv::checkRange(enhanced));
  EXPECT_GT(cv::countNonZero(enhanced > 0), 150 * 170 / 4);  // the ridges inside are there
}

}  // namespace
}  // namespace abis::finger::extractor
