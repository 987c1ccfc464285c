// The false-minutiae filter's length limits are in ridge periods: a branch that is a spur on a
// wide-ridged finger is a true bifurcation and ending on a fine-ridged one. Works on the
// extractor's internal stages (src/finger_extract/extractor/stages.h).
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include "extractor/stages.h"

namespace abis::finger::extractor {
namespace {

// A horizontal skeleton ridge with a vertical branch of `branch_length` pixels rising from its
// middle: one bifurcation at the junction, one ending at the branch tip, and the two endings of
// the long ridge.
cv::Mat RidgeWithBranch(int branch_length) {
  cv::Mat skeleton = cv::Mat::zeros(100, 200, CV_8U);
  for (int x = 20; x <= 180; ++x) skeleton.at<std::uint8_t>(50, x) = 255;
  for (int k = 1; k <= branch_length; ++k) skeleton.at<std::uint8_t>(50 - k, 100) = 255;
  return skeleton;
}

// Surviving candidates of RidgeWithBranch(15) when every block has `wavelength`.
int SurvivorsAtBranch(double wavelength) {
  const cv::Mat skeleton = RidgeWithBranch(15);
  const cv::Mat mask(skeleton.size(), CV_8U, cv::Scalar(255));
  const OrientationField field{cv::Mat(skeleton.size(), CV_32F, cv::Scalar(0.0f)),
                               cv::Mat(skeleton.size(), CV_32F, cv::Scalar(1.0f))};
  std::vector<Candidate> candidates = DetectMinutiae(skeleton, field, mask);
  const cv::Mat wavelength_blocks((skeleton.rows + kBlockSize - 1) / kBlockSize,
                                  (skeleton.cols + kBlockSize - 1) / kBlockSize, CV_32F,
                                  cv::Scalar(static_cast<float>(wavelength)));
  RemoveFalseMinutiae(candidates, skeleton, mask, wavelength_blocks);
  int survivors = 0;
  for (const Candidate& c : candidates) {
    if (!c.removed && c.x == 100 && c.y >= 34 && c.y <= 51) ++survivors;
  }
  return survivors;
}

TEST(MinutiaeFilterTest, KeepsABranchOfOneAndAHalfPeriodsOnFineRidges) {
  // 15 px at a 9 px period: longer than the spur limit (12 px), a real bifurcation and ending.
  EXPECT_EQ(SurvivorsAtBranch(9.0), 2);
}

TEST(MinutiaeFilterTest, RemovesTheSameBranchAsASpurOnWideRidges) {
  // 15 px at a 13.5 px period is about one period: a spur (limit 12 x 1.5 = 18 px).
  EXPECT_EQ(SurvivorsAtBranch(13.5), 0);
}

TEST(MinutiaeFilterTest, EmptyWavelengthMapMeansTheDefaultPeriod) {
  const cv::Mat skeleton = RidgeWithBranch(15);
  const cv::Mat mask(skeleton.size(), CV_8U, cv::Scalar(255));
  const OrientationField field{cv::Mat(skeleton.size(), CV_32F, cv::Scalar(0.0f)),
                               cv::Mat(skeleton.size(), CV_32F, cv::Scalar(1.0f))};
  std::vector<Candidate> candidates = DetectMinutiae(skeleton, field, mask);
  RemoveFalseMinutiae(candidates, skeleton, mask, cv::Mat());
  int survivors = 0;
  for (const Candidate& c : candidates) survivors += c.removed ? 0 : 1;
  EXPECT_EQ(survivors, 4);  // both ends of the long ridge, the bifurcation and the branch tip
}

}  // namespace
}  // namespace abis::finger::extractor
