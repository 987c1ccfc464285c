// Reading back the SVG plots of abis/core/evaluation_plots.h in tests: the plot frame, the marks
// of a class (curve polylines, EER circles, histogram bars) and their coordinates. Hand-rolled
// lookups: std::regex recurses per character and would overflow on a long polyline.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace abis::testing {

struct Box {
  double left = 0, top = 0, right = 0, bottom = 0;
  bool Contains(double x, double y) const { return x >= left && x <= right && y >= top && y <= bottom; }
};

inline double Attribute(const std::string& element, const std::string& name) {
  const std::string key = " " + name + "=\"";
  const std::size_t at = element.find(key);
  if (at == std::string::npos) {
    ADD_FAILURE() << "no " << name << " in " << element.substr(0, 200);
    return std::nan("");
  }
  return std::stod(element.substr(at + key.size()));
}

inline std::vector<std::string> Elements(const std::string& svg, const std::string& tag, const std::string& css_class) {
  std::vector<std::string> found;
  const std::string opening = "<" + tag + " class=\"" + css_class + "\"";
  for (std::size_t at = svg.find(opening); at != std::string::npos; at = svg.find(opening, at + 1)) {
    found.push_back(svg.substr(at, svg.find('>', at) - at + 1));
  }
  return found;
}

inline Box Frame(const std::string& svg) {
  const std::vector<std::string> frames = Elements(svg, "rect", "frame");
  EXPECT_EQ(frames.size(), 1u);
  if (frames.empty()) return {};
  const double x = Attribute(frames[0], "x");
  const double y = Attribute(frames[0], "y");
  return {x, y, x + Attribute(frames[0], "width"), y + Attribute(frames[0], "height")};
}

inline std::vector<std::pair<double, double>> PolylinePoints(const std::string& polyline) {
  const std::size_t begin = polyline.find("points=\"");
  EXPECT_NE(begin, std::string::npos);
  const std::size_t end = polyline.find('"', begin + 8);
  std::vector<std::pair<double, double>> points;
  std::istringstream in(polyline.substr(begin + 8, end - begin - 8));
  std::string pair;
  while (in >> pair) {
    const std::size_t comma = pair.find(',');
    points.emplace_back(std::stod(pair.substr(0, comma)), std::stod(pair.substr(comma + 1)));
  }
  return points;
}

// Every point of every curve polyline and the centre of every circle lies inside the frame (which
// the document holds exactly once); returns the number of curve points strictly inside it.
inline std::size_t ExpectMarksInsideFrame(const std::string& svg) {
  const Box frame = Frame(svg);
  std::size_t strictly_inside = 0;
  for (const std::string& polyline : Elements(svg, "polyline", "curve")) {
    for (const auto& [x, y] : PolylinePoints(polyline)) {
      EXPECT_TRUE(frame.Contains(x, y)) << x << "," << y << " outside the frame";
      strictly_inside += x > frame.left && x < frame.right && y > frame.top && y < frame.bottom;
    }
  }
  for (const char* css_class : {"eer", "point"}) {
    for (const std::string& circle : Elements(svg, "circle", css_class)) {
      EXPECT_TRUE(frame.Contains(Attribute(circle, "cx"), Attribute(circle, "cy"))) << circle;
    }
  }
  for (const std::string& bar : Elements(svg, "rect", "bar")) {
    const double x = Attribute(bar, "x"), y = Attribute(bar, "y");
    EXPECT_TRUE(frame.Contains(x, y)) << bar;
    EXPECT_TRUE(frame.Contains(x + Attribute(bar, "width"), y + Attribute(bar, "height"))) << bar;
  }
  return strictly_inside;
}

}  // namespace abis::testing
