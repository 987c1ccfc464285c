#include "abis/face/calibration.h"

#include <random>

#include <gtest/gtest.h>

namespace abis::face {
namespace {

ScoreCalibration MakeCalibration() {
  std::mt19937 random(3);
  std::normal_distribution<double> impostor(0.0, 0.1);
  std::normal_distribution<double> genuine(0.7, 0.1);
  std::vector<double> impostors(20000);
  std::vector<double> genuines(2000);
  for (double& s : impostors) s = impostor(random);
  for (double& s : genuines) s = genuine(random);
  Result<ScoreCalibration> calibration = ScoreCalibration::FromScores("m/1", "synthetic", genuines, impostors);
  EXPECT_TRUE(calibration.ok());
  return *calibration;
}

TEST(ScoreCalibrationTest, FalseMatchRateFollowsTheImpostorTail) {
  const ScoreCalibration calibration = MakeCalibration();
  EXPECT_NEAR(calibration.FalseMatchRate(0.0), 0.5, 0.02);
  EXPECT_NEAR(calibration.FalseMatchRate(0.2), 0.0228, 0.004);  // 2 sigma
  EXPECT_LT(calibration.FalseMatchRate(0.5), 1e-5);              // extrapolated tail
  EXPECT_GT(calibration.FalseMatchRate(0.3), calibration.FalseMatchRate(0.35));
}

TEST(ScoreCalibrationTest, ThresholdInvertsFalseMatchRate) {
  const ScoreCalibration calibration = MakeCalibration();
  for (double fmr : {1e-2, 1e-3, 1e-4}) {
    const Result<double> threshold = calibration.ThresholdForFalseMatchRate(fmr);
    ASSERT_TRUE(threshold.ok());
    EXPECT_NEAR(calibration.FalseMatchRate(*threshold), fmr, fmr * 0.2) << fmr;
  }
  EXPECT_FALSE(calibration.ThresholdForFalseMatchRate(0.0).ok());
  EXPECT_FALSE(calibration.ThresholdForFalseMatchRate(1.5).ok());
}

TEST(ScoreCalibrationTest, LogLikelihoodRatioRisesWithScoreAndRoundTripsThroughJson) {
  const ScoreCalibration calibration = MakeCalibration();
  EXPECT_LT(calibration.LogLikelihoodRatio(0.0), 0.0);
  EXPECT_GT(calibration.LogLikelihoodRatio(0.7), 0.0);
  EXPECT_LT(calibration.LogLikelihoodRatio(0.3), calibration.LogLikelihoodRatio(0.4));
  const Result<ScoreCalibration> reloaded = ScoreCalibration::FromJson(calibration.ToJson(), "round trip");
  ASSERT_TRUE(reloaded.ok()) << reloaded.status().ToString();
  EXPECT_DOUBLE_EQ(reloaded->FalseMatchRate(0.25), calibration.FalseMatchRate(0.25));
  EXPECT_FALSE(ScoreCalibration::FromJson(nlohmann::json{{"format", "other"}}, "bad").ok());
}

}  // namespace
}  // namespace abis::face
