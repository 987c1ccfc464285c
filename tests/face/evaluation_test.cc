#include "abis/face/evaluation.h"

#include <cmath>

#include <gtest/gtest.h>

namespace abis::face {
namespace {

TEST(ErrorRatesTest, PerfectSeparationHasZeroEer) {
  const ErrorRates rates = ComputeErrorRates({0.8, 0.9, 0.7}, std::vector<double>(1000, 0.1));
  EXPECT_DOUBLE_EQ(rates.eer, 0.0);
  EXPECT_DOUBLE_EQ(rates.tar_at_far_1e_3, 1.0);
  EXPECT_DOUBLE_EQ(rates.tar_at_far_1e_4, -1.0);  // 1000 impostors cannot measure 1e-4
}

TEST(ErrorRatesTest, OverlapGivesTheCrossingRate) {
  // Genuine 0.1..1.0 and impostor -0.35..0.55 (10 each): no threshold keeps both error rates
  // below 0.3, and t = 0.35 reaches 0.3 on both sides.
  std::vector<double> genuine;
  std::vector<double> impostor;
  for (int i = 1; i <= 10; ++i) genuine.push_back(i / 10.0);
  for (int i = 0; i < 10; ++i) impostor.push_back(i / 10.0 - 0.35);
  const ErrorRates rates = ComputeErrorRates(genuine, impostor);
  EXPECT_NEAR(rates.eer, 0.3, 1e-9);
}

TEST(ErrorRatesTest, AccuracyCountsFailedPairsAsWrong) {
  const std::vector<double> scores = {0.9, 0.8, 0.1, std::nan("")};
  const std::vector<bool> same = {true, true, false, true};
  EXPECT_DOUBLE_EQ(BestThresholdAccuracy(scores, same), 0.75);
}

TEST(ErrorRatesTest, DetPlotIsAnSvgWithACurve) {
  const Result<std::string> plot = DetCurveSvg({0.8, 0.6, 0.3}, {0.1, 0.2, 0.4}, "t");
  ASSERT_TRUE(plot.ok()) << plot.status().ToString();
  const std::string& svg = *plot;
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("<polyline"), std::string::npos);
}

TEST(ErrorRatesTest, ScoreHistogramHasBarsOfBothClassesAndRejectsNaN) {
  const Result<std::string> svg = ScoreHistogramSvg({0.8, 0.6, 0.7}, {0.1, 0.2, 0.4}, "t");
  ASSERT_TRUE(svg.ok()) << svg.status().ToString();
  EXPECT_NE(svg->find("fill=\"#2ca02c\""), std::string::npos);  // genuine bars
  EXPECT_NE(svg->find("fill=\"#d62728\""), std::string::npos);  // impostor bars
  EXPECT_NE(svg->find("Cosine similarity"), std::string::npos);
  EXPECT_FALSE(ScoreHistogramSvg({0.8, std::nan("")}, {0.1}, "t").ok());
  EXPECT_FALSE(DetCurveSvg({}, {0.1}, "t").ok());
}

}  // namespace
}  // namespace abis::face
