#include <gtest/gtest.h>

#include "abis/finger_extract/render.h"

namespace abis::finger {
namespace {

GrayImage Flat(int width, int height) { return {width, height, 500, std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height, 128)}; }

MinutiaeTemplate ThreeMinutiae() {
  MinutiaeTemplate t;
  t.width = 100;
  t.height = 80;
  t.minutiae = {{10, 10, 0.0, MinutiaType::kEnding, 50}, {50, 40, 1.0, MinutiaType::kBifurcation, 60}, {90, 70, 2.0, MinutiaType::kEnding, 70}};
  return t;
}

int Count(const std::string& text, const std::string& what) {
  int count = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

TEST(RenderTest, DrawsOneMarkerPerMinutiaOverTheEmbeddedImage) {
  Result<std::string> svg = RenderMinutiaeSvg(Flat(100, 80), ThreeMinutiae());
  ASSERT_TRUE(svg.ok()) << svg.status().ToString();
  EXPECT_EQ(Count(*svg, "<circle"), 3);
  EXPECT_EQ(Count(*svg, "data:image/png;base64,"), 1);
  EXPECT_EQ(Count(*svg, "#e00000"), 2);  // two endings
  EXPECT_EQ(Count(*svg, "#0060ff"), 1);  // one bifurcation
}

TEST(RenderTest, JoinsMatchedPairsAcrossTwoImages) {
  std::vector<MinutiaPair> pairs = {{0, 1}, {2, 2}};
  Result<std::string> svg = RenderMatchSvg(Flat(100, 80), ThreeMinutiae(), Flat(100, 80), ThreeMinutiae(), pairs);
  ASSERT_TRUE(svg.ok()) << svg.status().ToString();
  EXPECT_EQ(Count(*svg, "stroke=\"#00b000\""), 2);
  EXPECT_NE(svg->find("width=\"200\""), std::string::npos);
}

TEST(RenderTest, RejectsPairsThatNameMissingMinutiae) {
  std::vector<MinutiaPair> pairs = {{0, 3}};
  Result<std::string> svg = RenderMatchSvg(Flat(100, 80), ThreeMinutiae(), Flat(100, 80), ThreeMinutiae(), pairs);
  ASSERT_FALSE(svg.ok());
  EXPECT_NE(svg.status().message().find("(0, 3)"), std::string::npos);
  EXPECT_FALSE(RenderMinutiaeSvg(GrayImage{10, 10, 0, {}}, ThreeMinutiae()).ok());
}

}  // namespace
}  // namespace abis::finger
