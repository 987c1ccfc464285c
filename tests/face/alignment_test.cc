#include "abis/face/alignment.h"

#include <cmath>

#include <gtest/gtest.h>

namespace abis::face {
namespace {

const FivePoints kReference = {cv::Point2f(38.2946f, 51.6963f), cv::Point2f(73.5318f, 51.5014f),
                               cv::Point2f(56.0252f, 71.7366f), cv::Point2f(41.5493f, 92.3655f),
                               cv::Point2f(70.7299f, 92.2041f)};

TEST(AlignmentTest, RecoversAKnownSimilarityTransform) {
  // Rotate by 20 degrees, scale by 2.5, shift: the estimate must map the points back exactly.
  const double angle = 20.0 * 3.14159265358979 / 180.0;
  FivePoints moved;
  for (int i = 0; i < 5; ++i) {
    const cv::Point2f p = kReference[i];
    moved[i] = cv::Point2f(static_cast<float>(2.5 * (std::cos(angle) * p.x - std::sin(angle) * p.y) + 100),
                           static_cast<float>(2.5 * (std::sin(angle) * p.x + std::cos(angle) * p.y) + 40));
  }
  const Result<cv::Mat> transform = EstimateSimilarityTransform(moved, kReference);
  ASSERT_TRUE(transform.ok());
  for (int i = 0; i < 5; ++i) {
    const cv::Mat& m = *transform;
    const double x = m.at<double>(0, 0) * moved[i].x + m.at<double>(0, 1) * moved[i].y + m.at<double>(0, 2);
    const double y = m.at<double>(1, 0) * moved[i].x + m.at<double>(1, 1) * moved[i].y + m.at<double>(1, 2);
    EXPECT_NEAR(x, kReference[i].x, 1e-3);
    EXPECT_NEAR(y, kReference[i].y, 1e-3);
  }
}

TEST(AlignmentTest, RejectsDegeneratePoints) {
  FivePoints same;
  same.fill(cv::Point2f(3, 3));
  EXPECT_FALSE(EstimateSimilarityTransform(same, kReference).ok());
}

TEST(AlignmentTest, FivePointsUseEyeCentresNoseAndMouthCorners) {
  std::array<cv::Point2f, 68> landmarks;
  for (int i = 0; i < 68; ++i) landmarks[i] = cv::Point2f(static_cast<float>(i), 0);
  const FivePoints points = FivePointsFromLandmarks68(landmarks);
  EXPECT_FLOAT_EQ(points[0].x, 38.5f);  // mean of 36..41
  EXPECT_FLOAT_EQ(points[1].x, 44.5f);  // mean of 42..47
  EXPECT_FLOAT_EQ(points[2].x, 30.0f);
  EXPECT_FLOAT_EQ(points[3].x, 48.0f);
  EXPECT_FLOAT_EQ(points[4].x, 54.0f);
}

}  // namespace
}  // namespace abis::face
