#include "abis/core/evaluation_plots.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "../support/svg_inspection.h"

namespace abis {
namespace {

using testing::Attribute;
using testing::Box;
using testing::Elements;
using testing::Frame;
using testing::PolylinePoints;

// Scores of a realistic matcher: genuine ~ N(3, 1), impostor ~ N(0, 1).
void RealisticScores(std::size_t genuine_count, std::size_t impostor_count, std::vector<double>* genuine,
                     std::vector<double>* impostor) {
  std::mt19937_64 random(18);
  std::normal_distribution<double> normal;
  for (std::size_t i = 0; i < genuine_count; ++i) genuine->push_back(3 + normal(random));
  for (std::size_t i = 0; i < impostor_count; ++i) impostor->push_back(normal(random));
}

TEST(NormalDeviateTest, IsMonotonicSymmetricAndZeroAtHalf) {
  EXPECT_EQ(NormalDeviate(0.5), 0.0);
  EXPECT_NEAR(NormalDeviate(0.975), 1.959963985, 1e-8);
  EXPECT_NEAR(NormalDeviate(1e-6), -4.753424309, 1e-7);
  double previous = -1e9;
  for (double exponent = -9; exponent < 0; exponent += 0.01) {
    for (const double p : {std::pow(10.0, exponent), 1 - std::pow(10.0, exponent)}) {
      EXPECT_NEAR(NormalDeviate(p), -NormalDeviate(1 - p), 1e-6) << p;  // 1 - p rounds
    }
    const double deviate = NormalDeviate(std::pow(10.0, exponent) / 2);  // rising p in (0, 0.5)
    EXPECT_GT(deviate, previous) << exponent;
    previous = deviate;
  }
}

TEST(ProbitAxisTest, PutsHalfAtTheCentreAndClampsZeroAndOneToTheEnds) {
  const ProbitAxis axis(1e-3, 1 - 1e-3, 100, 500);
  EXPECT_DOUBLE_EQ(axis.Pixel(0.5), 300);
  EXPECT_DOUBLE_EQ(axis.Pixel(0), 100);
  EXPECT_DOUBLE_EQ(axis.Pixel(1e-9), 100);
  EXPECT_DOUBLE_EQ(axis.Pixel(1), 500);
  double previous = axis.Pixel(1e-3);
  for (double rate = 2e-3; rate < 0.999; rate += 1e-3) {
    EXPECT_GT(axis.Pixel(rate), previous) << rate;
    previous = axis.Pixel(rate);
  }
  const ProbitAxis downwards(1e-4, 0.5, 460, 40);  // a y axis: high rates at the top
  EXPECT_DOUBLE_EQ(downwards.Pixel(0.5), 40);
  EXPECT_DOUBLE_EQ(downwards.Pixel(1), 40);
  EXPECT_DOUBLE_EQ(downwards.Pixel(0), 460);
}

TEST(DetPointsTest, OnePointPerThresholdFromAllAcceptedToNone) {
  Result<std::vector<DetPoint>> points = DetPointsFromScores({0.9, 0.4}, {0.1, 0.5}, "t");
  ASSERT_TRUE(points.ok()) << points.status().ToString();
  ASSERT_EQ(points->size(), 5u);
  EXPECT_DOUBLE_EQ(points->front().fmr, 1);
  EXPECT_DOUBLE_EQ(points->front().fnmr, 0);
  EXPECT_DOUBLE_EQ((*points)[2].fmr, 0.5);   // threshold 0.5: impostor 0.5 accepted
  EXPECT_DOUBLE_EQ((*points)[2].fnmr, 0.5);  // genuine 0.4 rejected
  EXPECT_DOUBLE_EQ(points->back().fmr, 0);
  EXPECT_DOUBLE_EQ(points->back().fnmr, 1);
}

TEST(DetPlotTest, EveryCurvePointAndEerMarkLiesInsideTheFrame) {
  std::vector<double> genuine, impostor;
  RealisticScores(2000, 200000, &genuine, &impostor);
  Result<std::vector<DetPoint>> realistic = DetPointsFromScores(genuine, impostor, "realistic");
  ASSERT_TRUE(realistic.ok());
  const std::vector<DetPoint> edges = {{1, 0}, {0.5, 1e-6}, {1e-6, 0.3}, {0, 0.4}, {0, 1}, {1e-7, 1e-7}, {0.9, 0.99}};
  std::vector<DetCurve> curves = {{"realistic", *realistic, -1}, {"edges", edges, 0}};
  for (const DetPlotOptions& options : {DetPlotOptions{}, DetPlotOptions{1e-4, 0.4}}) {
    Result<std::string> svg = RenderDetSvg(curves, "DET", options);
    ASSERT_TRUE(svg.ok()) << svg.status().ToString();
    const Box frame = Frame(*svg);
    const std::vector<std::string> polylines = Elements(*svg, "polyline", "curve");
    ASSERT_EQ(polylines.size(), 2u);
    std::size_t strictly_inside = 0;
    for (const std::string& polyline : polylines) {
      const auto points = PolylinePoints(polyline);
      EXPECT_GE(points.size(), 2u);
      for (const auto& [x, y] : points) {
        EXPECT_TRUE(frame.Contains(x, y)) << x << "," << y << " outside the frame";
        strictly_inside += x > frame.left && x < frame.right && y > frame.top && y < frame.bottom;
      }
    }
    // The realistic curve crosses the picture rather than hugging its edges.
    EXPECT_GT(strictly_inside, 100u);
    const std::vector<std::string> eers = Elements(*svg, "circle", "eer");
    ASSERT_EQ(eers.size(), 2u);
    for (const std::string& eer : eers) EXPECT_TRUE(frame.Contains(Attribute(eer, "cx"), Attribute(eer, "cy"))) << eer;
  }
}

TEST(ErrorRejectPlotTest, CurvesStayInsideTheFrameAndFallWhereTheFnmrFalls) {
  const std::vector<ErcPoint> measured = {{0, 0.04}, {0.02, 0.03}, {0.05, 0.015}, {0.1, 0.01}, {0.2, 0.0}};
  const std::vector<ErcPoint> ideal = {{0, 0.04}, {0.04, 0.0}, {0.2, 0.0}};
  Result<std::string> svg = RenderErrorRejectSvg({{"quality", measured, false}, {"ideal", ideal, true}}, "ERC");
  ASSERT_TRUE(svg.ok()) << svg.status().ToString();
  const Box frame = Frame(*svg);
  const std::vector<std::string> polylines = Elements(*svg, "polyline", "curve");
  ASSERT_EQ(polylines.size(), 2u);
  const auto points = PolylinePoints(polylines[0]);
  ASSERT_EQ(points.size(), measured.size());
  for (std::size_t k = 0; k < points.size(); ++k) {
    EXPECT_TRUE(frame.Contains(points[k].first, points[k].second)) << k;
    if (k > 0) {
      EXPECT_GT(points[k].first, points[k - 1].first) << "x grows with the fraction rejected";
      EXPECT_GT(points[k].second, points[k - 1].second) << "y (down) grows as the FNMR falls";
    }
  }
  EXPECT_NE(polylines[1].find("stroke-dasharray"), std::string::npos);
  EXPECT_EQ(polylines[0].find("stroke-dasharray"), std::string::npos);
  EXPECT_FALSE(RenderErrorRejectSvg({}, "ERC").ok());
  EXPECT_FALSE(RenderErrorRejectSvg({{"bad", {{0, 1.5}}, false}}, "ERC").ok());
  EXPECT_FALSE(RenderErrorRejectSvg({{"nan", {{std::nan(""), 0}}, false}}, "ERC").ok());
}

TEST(DetPlotTest, AxesArePercentOnTheNormalDeviateScale) {
  std::vector<double> genuine, impostor;
  RealisticScores(1000, 10000, &genuine, &impostor);
  Result<std::vector<DetPoint>> points = DetPointsFromScores(genuine, impostor, "t");
  ASSERT_TRUE(points.ok());
  Result<std::string> svg = RenderDetSvg({{"matcher", *points}}, "t", {1e-4, 0.5});
  ASSERT_TRUE(svg.ok());
  for (const char* label : {">0.01%<", ">0.1%<", ">1%<", ">10%<", ">50%<", "False match rate", "False non-match"}) {
    EXPECT_NE(svg->find(label), std::string::npos) << label;
  }
  // On the normal-deviate scale decades are not equally wide (as on a log axis): 1%..10% is
  // wider than 0.1%..1%, by the ratio of their probit spans.
  const auto label_x = [&](const std::string& label) {
    std::smatch match;
    EXPECT_TRUE(std::regex_search(*svg, match,
                                  std::regex("<text x=\"([0-9.]+)\"[^>]*text-anchor=\"middle\">" + label + "</text>")))
        << label;
    return match.empty() ? 0.0 : std::stod(match[1]);
  };
  const double ratio = (label_x("10%") - label_x("1%")) / (label_x("1%") - label_x("0.1%"));
  const double expected = (NormalDeviate(0.1) - NormalDeviate(0.01)) / (NormalDeviate(0.01) - NormalDeviate(0.001));
  EXPECT_NEAR(ratio, expected, 0.01);
  EXPECT_GT(expected, 1.3);
  const Box frame = Frame(*svg);
  EXPECT_NEAR(label_x("50%"), frame.right, 0.01);
  EXPECT_NEAR(label_x("0.01%"), frame.left, 0.01);
}

TEST(DetPlotTest, LongTitleIsShrunkOrWrappedToFitTheWidth) {
  const std::string title =
      "DET, finger-mcc/1 (own templates), /work/data/fingerprint/fvc2002/DB1_A with all "
      "impostor pairs and a description long enough that no single line at any font "
      "size can hold it in the picture, which is 600 pixels wide";
  Result<std::string> svg = RenderDetSvg({{"c", {{0.1, 0.2}, {0.01, 0.4}}}}, title);
  ASSERT_TRUE(svg.ok());
  std::smatch match;
  ASSERT_TRUE(std::regex_search(*svg, match, std::regex("<svg [^>]* width=\"([0-9.]+)\"")));
  const double width = std::stod(match[1]);
  const std::regex line("<text class=\"title\"[^>]* font-size=\"([0-9.]+)\"[^>]*>([^<]*)</text>");
  std::string joined;
  std::size_t lines = 0;
  for (auto it = std::sregex_iterator(svg->begin(), svg->end(), line); it != std::sregex_iterator(); ++it, ++lines) {
    const double font_size = std::stod((*it)[1]);
    const std::string text = (*it)[2];
    EXPECT_LE(static_cast<double>(text.size()) * font_size * kPlotCharacterWidthEm, width) << text;
    joined += text;
  }
  EXPECT_GE(lines, 2u);
  for (const char* word : {"DET,", "DB1_A", "600 pixels wide"}) EXPECT_NE(joined.find(word), std::string::npos) << word;
  // Every title line stays above the frame.
  const Box frame = Frame(*svg);
  const std::regex baseline("<text class=\"title\" x=\"[0-9.]+\" y=\"([0-9.]+)\"");
  for (auto it = std::sregex_iterator(svg->begin(), svg->end(), baseline); it != std::sregex_iterator(); ++it) {
    EXPECT_LT(std::stod((*it)[1]), frame.top);
  }
}

TEST(DetPlotTest, NamesAreEscaped) {
  Result<std::string> svg = RenderDetSvg({{"a<b", {{0.1, 0.2}}}}, "t&t");
  ASSERT_TRUE(svg.ok());
  EXPECT_NE(svg->find("a&lt;b"), std::string::npos);
  EXPECT_NE(svg->find("t&amp;t"), std::string::npos);
  EXPECT_EQ(svg->find("a<b"), std::string::npos);
}

TEST(DetPlotTest, BadInputIsAnError) {
  EXPECT_FALSE(RenderDetSvg({}, "t").ok());
  EXPECT_FALSE(RenderDetSvg({{"empty", {}}}, "t").ok());
  EXPECT_FALSE(RenderDetSvg({{"nan", {{std::nan(""), 0.1}}}}, "t").ok());
  EXPECT_FALSE(RenderDetSvg({{"above one", {{0.1, 1.5}}}}, "t").ok());
  EXPECT_FALSE(RenderDetSvg({{"negative", {{-0.1, 0.5}}}}, "t").ok());
  EXPECT_FALSE(RenderDetSvg({{"c", {{0.1, 0.5}}}}, "t", {0.5, 0.1}).ok());
  const Status nan_score = DetPointsFromScores({0.5, std::nan("")}, {0.1}, "eval x").status();
  EXPECT_EQ(nan_score.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(nan_score.message().find("genuine score 1 is NaN"), std::string::npos) << nan_score.message();
  EXPECT_FALSE(DetPointsFromScores({}, {0.1}, "eval x").ok());
  EXPECT_FALSE(DetPointsFromScores({0.1}, {}, "eval x").ok());
}

TEST(CmcTest, RatesFromMateRanks) {
  Result<std::vector<double>> cmc = CmcFromMateRanks({1, 1, 2, 5, 0}, 4);
  ASSERT_TRUE(cmc.ok());
  EXPECT_EQ(*cmc, (std::vector<double>{0.4, 0.6, 0.6, 0.6}));
  EXPECT_FALSE(CmcFromMateRanks({}, 4).ok());
  EXPECT_FALSE(CmcFromMateRanks({1}, 0).ok());
}

TEST(CmcTest, CurvesLieInsideTheFrameOnLinearAndLogarithmicRankAxes) {
  std::vector<double> long_curve;
  for (std::size_t rank = 1; rank <= 1000; ++rank) long_curve.push_back(1 - 0.5 / std::sqrt(static_cast<double>(rank)));
  for (const auto& curves : {std::vector<CmcCurve>{{"short", {0.0, 0.5, 1.0}}, {"one rank", {1.0}}},
                             std::vector<CmcCurve>{{"long", long_curve}, {"short", {0.2, 0.3}}}}) {
    Result<std::string> svg = RenderCmcSvg(curves, "CMC");
    ASSERT_TRUE(svg.ok()) << svg.status().ToString();
    const Box frame = Frame(*svg);
    const std::vector<std::string> polylines = Elements(*svg, "polyline", "curve");
    ASSERT_EQ(polylines.size(), curves.size());
    for (const std::string& polyline : polylines) {
      for (const auto& [x, y] : PolylinePoints(polyline)) EXPECT_TRUE(frame.Contains(x, y)) << x << "," << y;
    }
    for (const std::string& point : Elements(*svg, "circle", "point")) {
      EXPECT_TRUE(frame.Contains(Attribute(point, "cx"), Attribute(point, "cy"))) << point;
    }
  }
  Result<std::string> log_axis = RenderCmcSvg({{"long", long_curve}}, "CMC");
  ASSERT_TRUE(log_axis.ok());
  EXPECT_NE(log_axis->find("Rank (logarithmic)"), std::string::npos);
  EXPECT_NE(log_axis->find(">1000<"), std::string::npos);
}

TEST(CmcTest, BadInputIsAnError) {
  EXPECT_FALSE(RenderCmcSvg({}, "t").ok());
  EXPECT_FALSE(RenderCmcSvg({{"empty", {}}}, "t").ok());
  EXPECT_FALSE(RenderCmcSvg({{"falls", {0.5, 0.4}}}, "t").ok());
  EXPECT_FALSE(RenderCmcSvg({{"nan", {std::nan("")}}}, "t").ok());
  EXPECT_FALSE(RenderCmcSvg({{"above one", {1.2}}}, "t").ok());
}

TEST(ScoreHistogramTest, BarsLieInsideTheFrame) {
  std::vector<double> genuine, impostor;
  RealisticScores(500, 20000, &genuine, &impostor);
  genuine.push_back(40);  // an outlier sets the right end of the range
  for (const std::size_t bins : {std::size_t{0}, std::size_t{7}, std::size_t{200}}) {
    HistogramOptions options;
    options.bins = bins;
    options.score_label = "log10 LR";
    Result<std::string> svg = RenderScoreHistogramSvg(genuine, impostor, "histogram", options);
    ASSERT_TRUE(svg.ok()) << svg.status().ToString();
    const Box frame = Frame(*svg);
    const std::vector<std::string> bars = Elements(*svg, "rect", "bar");
    EXPECT_GT(bars.size(), 4u);
    double tallest = 0;
    for (const std::string& bar : bars) {
      const double x = Attribute(bar, "x"), y = Attribute(bar, "y");
      const double width = Attribute(bar, "width"), height = Attribute(bar, "height");
      EXPECT_GT(width, 0);
      EXPECT_GE(height, 0);
      EXPECT_TRUE(frame.Contains(x, y)) << bar;
      EXPECT_TRUE(frame.Contains(x + width, y + height)) << bar;
      tallest = std::max(tallest, height);
    }
    EXPECT_GT(tallest, (frame.bottom - frame.top) / 2) << "the y axis should fit the tallest bar";
    EXPECT_NE(svg->find("log10 LR"), std::string::npos);
  }
}

TEST(ScoreHistogramTest, OneClassOrOneValueStillDraws) {
  Result<std::string> one_class = RenderScoreHistogramSvg({0.1, 0.2, 0.3}, {}, "t");
  ASSERT_TRUE(one_class.ok());
  Result<std::string> one_value = RenderScoreHistogramSvg({2, 2}, {2}, "t");
  ASSERT_TRUE(one_value.ok());
  const Box frame = Frame(*one_value);
  for (const std::string& bar : Elements(*one_value, "rect", "bar")) {
    EXPECT_TRUE(frame.Contains(Attribute(bar, "x") + Attribute(bar, "width"), Attribute(bar, "y"))) << bar;
  }
}

TEST(ScoreHistogramTest, BadInputIsAnError) {
  EXPECT_FALSE(RenderScoreHistogramSvg({}, {}, "t").ok());
  const Status nan = RenderScoreHistogramSvg({0.1, std::nan("")}, {0.2}, "t").status();
  EXPECT_EQ(nan.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(nan.message().find("genuine score 1"), std::string::npos) << nan.message();
  EXPECT_FALSE(RenderScoreHistogramSvg({0.1}, {-std::numeric_limits<double>::infinity()}, "t").ok());
}

}  // namespace
}  // namespace abis
