#include "abis/finger/verification_metrics.h"

#include <gtest/gtest.h>

namespace abis::finger {
namespace {

TEST(VerificationMetricsTest, SeparatedScoresHaveZeroErrors) {
  const ScoreSets scores{{0.8, 0.9, 0.7}, {0.1, 0.2, 0.3, 0.05}};
  const ErrorRates rates = ComputeErrorRates(scores);
  EXPECT_DOUBLE_EQ(rates.eer, 0);
  EXPECT_DOUBLE_EQ(rates.zero_fmr, 0);
}

TEST(VerificationMetricsTest, OverlapGivesExpectedRates) {
  // One of four genuine scores (0.2) lies below the highest impostor (0.5).
  const ScoreSets scores{{0.2, 0.6, 0.7, 0.8}, {0.1, 0.15, 0.3, 0.5}};
  const ErrorRates rates = ComputeErrorRates(scores);
  EXPECT_DOUBLE_EQ(rates.zero_fmr, 0.25);  // threshold just above 0.5 rejects the 0.2
  EXPECT_DOUBLE_EQ(rates.fmr100, 0.25);
  EXPECT_GT(rates.eer, 0);
  EXPECT_LE(rates.eer, 0.25);
}

TEST(VerificationMetricsTest, DetPlotIsAnSvgWithOneCurvePerSet) {
  const Result<std::string> plot = RenderDetPlotSvg({{"a<b", {{0.9, 0.4}, {0.1, 0.5}}}, {"c", {{0.9}, {0.1}}}}, "t&t");
  ASSERT_TRUE(plot.ok()) << plot.status().ToString();
  const std::string& svg = *plot;
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("a&lt;b"), std::string::npos);
  EXPECT_NE(svg.find("t&amp;t"), std::string::npos);
  std::size_t curves = 0;
  for (std::size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1)) ++curves;
  EXPECT_EQ(curves, 2u);
}

TEST(VerificationMetricsTest, DetPlotRejectsAnEmptyScoreSet) {
  const Result<std::string> plot = RenderDetPlotSvg({{"empty", {{}, {0.1}}}}, "t");
  ASSERT_FALSE(plot.ok());
  EXPECT_NE(plot.status().message().find("empty"), std::string::npos) << plot.status().message();
}

TEST(VerificationMetricsTest, ScoreHistogramIsAnSvgWithBars) {
  const Result<std::string> plot = RenderScoreHistogramPlotSvg({{0.9, 0.8}, {0.1, 0.2, 0.3}}, "t");
  ASSERT_TRUE(plot.ok()) << plot.status().ToString();
  EXPECT_NE(plot->find("<rect class=\"bar\""), std::string::npos);
}

}  // namespace
}  // namespace abis::finger
