// Contextual enhancement (src/finger_extract/extractor/stages.h, EnhanceRidges): ridges broken
// into dots come out continuous, the filter follows the image's own ridge period, curved ridges
// keep their course, the output does not depend on the threads, and nothing is produced outside
// the mask.
#include <algorithm>
#include <cmath>
#include <cstring>
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

// Vertical ridges centred on x = k * kPeriod, each broken into 4-pixel dots every `pitch` pixels:
// the rest of every ridge line is as light as the valleys.
double DottedRidgeWithPitch(int x, int y, int pitch) {
  const double across = 0.5 + 0.5 * std::cos(2 * kPi * x / kPeriod);
  return (y % pitch) < 4 ? across : 0.0;
}
double DottedRidge(int x, int y) { return DottedRidgeWithPitch(x, y, 12); }

const OrientationField& VerticalFlow() {
  static const OrientationField field = Field([](int, int) { return kPi / 2; });
  return field;
}

// Lowest over highest response along the centre lines of the ridges, away from the image edge.
double RidgeEvenness(const cv::Mat& enhanced) {
  double lowest = 1e9, highest = -1e9;
  for (int k = 4; k * kPeriod < kSide - 32; ++k) {
    const int ridge_x = static_cast<int>(std::lround(k * kPeriod));
    for (int y = 32; y < kSide - 32; ++y) {
      lowest = std::min(lowest, static_cast<double>(enhanced.at<float>(y, ridge_x)));
      highest = std::max(highest, static_cast<double>(enhanced.at<float>(y, ridge_x)));
    }
  }
  return lowest / highest;
}

TEST(SpectralEnhancementTest, BridgesRidgesBrokenIntoDots) {
  const cv::Mat mask(kSide, kSide, CV_8U, cv::Scalar(255));
  const cv::Mat input = NormalisedRidges(DottedRidge);
  const cv::Mat enhanced = EnhanceRidges(input, VerticalFlow(), Wavelengths(kPeriod), mask);
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

TEST(SpectralEnhancementTest, KeepsRidgesEvenAcrossLongGaps) {
  // Dots every 20 px, gaps of 16 px (almost two ridge periods): a whole 32 px window votes for the
  // ridge, so the response along the ridge stays even. The per-pixel Gabor filter this replaced
  // (envelope 0.55 period along the ridge) let it fall to 0.3 of its peak in the gaps.
  const cv::Mat mask(kSide, kSide, CV_8U, cv::Scalar(255));
  const cv::Mat input = NormalisedRidges([](int x, int y) { return DottedRidgeWithPitch(x, y, 20); });
  EXPECT_GT(RidgeEvenness(EnhanceRidges(input, VerticalFlow(), Wavelengths(kPeriod), mask)), 0.5);
}

TEST(SpectralEnhancementTest, TunesToTheImagesRidgePeriodNotTheBlockMap) {
  // Ridges 14 px apart with a weaker 7 px ripple (pores, incipient ridges), while the block map
  // claims 6 px. A filter centred on the map's period, or on the typical 9 px, passes the ripple and
  // doubles the ridge count; tuned to the window's own spectrum it keeps the 14 px ridges.
  constexpr double kWide = 14.0;
  const cv::Mat mask(kSide, kSide, CV_8U, cv::Scalar(255));
  const cv::Mat input = NormalisedRidges([](int x, int) {
    return 0.5 + 0.35 * std::cos(2 * kPi * x / kWide) + 0.15 * std::cos(2 * kPi * x / (kWide / 2));
  });
  const cv::Mat enhanced = EnhanceRidges(input, VerticalFlow(), Wavelengths(6.0), mask);
  for (int y : {64, 128, 192}) {
    int sign_changes = 0;
    for (int x = 33; x < kSide - 32; ++x) {
      sign_changes += (enhanced.at<float>(y, x) > 0) != (enhanced.at<float>(y, x - 1) > 0);
    }
    EXPECT_NEAR(sign_changes, 2 * (kSide - 64) / kWide, 2) << "row " << y;  // 27; the ripple would make 55
  }
}

TEST(SpectralEnhancementTest, GivesTheSameOutputOnEveryRun) {
  // The windows are filtered in parallel; the overlap-add must not depend on their order. (A race
  // between overlapping tiles would show here only when two threads collide, which a 2-core run
  // does not always provoke; the phases of window rows are what rule it out.)
  const cv::Mat mask(kSide, kSide, CV_8U, cv::Scalar(255));
  const cv::Mat input = NormalisedRidges(DottedRidge);
  const cv::Mat first = EnhanceRidges(input, VerticalFlow(), Wavelengths(kPeriod), mask);
  for (int run = 0; run < 3; ++run) {
    const cv::Mat again = EnhanceRidges(input, VerticalFlow(), Wavelengths(kPeriod), mask);
    EXPECT_EQ(std::memcmp(first.data, again.data, first.total() * first.elemSize()), 0) << "run " << run;
  }
}

TEST(SpectralEnhancementTest, KeepsCurvedRidgesOnTheirCourse) {
  // Concentric ridges around the centre (a whorl): a filter tuned to the ridge direction instead
  // of its normal, or one that straightens the curves, loses them.
  const double c = kSide / 2.0;
  auto radius = [c](int x, int y) { return std::hypot(x - c, y - c); };
  const cv::Mat mask(kSide, kSide, CV_8U, cv::Scalar(255));
  const cv::Mat input =
      NormalisedRidges([&](int x, int y) { return 0.5 + 0.5 * std::cos(2 * kPi * radius(x, y) / kPeriod); });
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
  const cv::Mat enhanced = EnhanceRidges(NormalisedRidges(DottedRidge), VerticalFlow(), Wavelengths(kPeriod), mask);
  cv::Mat outside = enhanced.clone();
  outside.setTo(0, mask);
  EXPECT_EQ(cv::countNonZero(outside), 0);
  EXPECT_TRUE(cv::checkRange(enhanced));
  EXPECT_GT(cv::countNonZero(enhanced > 0), 150 * 170 / 4);  // the ridges inside are there
}

}  // namespace
}  // namespace abis::finger::extractor
