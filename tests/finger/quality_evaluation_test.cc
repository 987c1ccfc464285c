#include "abis/finger/quality_evaluation.h"

#include <gtest/gtest.h>

#include <vector>

namespace abis::finger {
namespace {

TEST(QualityEvaluationTest, ThresholdIsTheLowestWhoseFalseMatchRateIsWithinTheTarget) {
  std::vector<double> impostor;
  for (int i = 0; i < 100; ++i) impostor.push_back(i / 100.0);  // 0.00 .. 0.99
  Result<double> threshold = ThresholdAtFalseMatchRate({0.5, 1.0}, impostor, 0.01);
  ASSERT_TRUE(threshold.ok()) << threshold.status().ToString();
  EXPECT_DOUBLE_EQ(*threshold, 0.99);  // accepts exactly one impostor of 100
  EXPECT_FALSE(ThresholdAtFalseMatchRate({}, impostor, 0.01).ok());
  EXPECT_FALSE(ThresholdAtFalseMatchRate({1.0}, impostor, 0).ok());
}

TEST(QualityEvaluationTest, RejectingLowQualityComparisonsRemovesTheirMisses) {
  // Two misses (score below 0.5) at qualities 10 and 30; passes at 20, 40, 50.
  const std::vector<QualityScoredComparison> genuine = {{0.1, 10}, {0.9, 20}, {0.2, 30}, {0.8, 40}, {0.7, 50}};
  Result<std::vector<ErcRow>> rows = ErrorVersusReject(genuine, 0.5);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 102u);
  EXPECT_DOUBLE_EQ((*rows)[0].fnmr, 0.4);
  EXPECT_DOUBLE_EQ((*rows)[0].rejected, 0.0);
  EXPECT_DOUBLE_EQ((*rows)[11].rejected, 0.2);  // quality 10 rejected
  EXPECT_DOUBLE_EQ((*rows)[11].fnmr, 0.25);
  EXPECT_DOUBLE_EQ((*rows)[31].fnmr, 0.0);  // 10, 20, 30 rejected
  EXPECT_EQ((*rows)[31].kept, 2u);
  EXPECT_EQ((*rows)[101].kept, 0u);
  EXPECT_DOUBLE_EQ((*rows)[101].rejected, 1.0);
  EXPECT_FALSE(ErrorVersusReject({}, 0.5).ok());
  EXPECT_FALSE(ErrorVersusReject({{0.5, 101}}, 0.5).ok());
}

TEST(QualityEvaluationTest, IdealCurveRemovesOneMissPerRejection) {
  EXPECT_DOUBLE_EQ(IdealFnmrAfterRejecting(0.1, 0.0), 0.1);
  EXPECT_NEAR(IdealFnmrAfterRejecting(0.1, 0.05), 0.05 / 0.95, 1e-12);
  EXPECT_DOUBLE_EQ(IdealFnmrAfterRejecting(0.1, 0.2), 0.0);
  EXPECT_DOUBLE_EQ(IdealFnmrAfterRejecting(0.1, 1.0), 0.0);
}

}  // namespace
}  // namespace abis::finger
