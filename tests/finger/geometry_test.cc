// The plane geometry shared by the cylinder builder and the matcher (src/finger/geometry.h):
// the fast hull-margin test must answer exactly as the distance it stands for.
#include "geometry.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace abis::finger::internal {
namespace {

TEST(ConvexHullTest, WithinMarginEqualsDistanceOutsideComparison) {
  std::mt19937_64 random(20261125);
  std::uniform_real_distribution<double> coordinate(-200, 200);
  std::uniform_int_distribution<int> count(1, 12);
  int checked = 0;
  for (int set = 0; set < 400; ++set) {
    std::vector<OrientedPoint> points;
    const int n = count(random);
    const int shape = set % 4;  // 0: scattered, 1: collinear, 2: duplicates, 3: on a small grid
    for (int i = 0; i < n; ++i) {
      if (shape == 1) {
        const double t = coordinate(random);
        points.push_back({t, 0.5 * t + 3, 0});
      } else if (shape == 2) {
        points.push_back({10, 20, 0});
      } else if (shape == 3) {
        points.push_back({static_cast<double>(10 * (i % 3)), static_cast<double>(10 * (i / 3)), 0});
      } else {
        points.push_back({coordinate(random), coordinate(random), 0});
      }
    }
    const ConvexHull hull(points);
    for (int q = 0; q < 200; ++q) {
      // Queries near the points (where the answers change) and on hull vertices.
      const OrientedPoint& near = points[static_cast<std::size_t>(q) % points.size()];
      const double x = q % 5 == 0 ? near.x : near.x + coordinate(random) / 8;
      const double y = q % 5 == 0 ? near.y : near.y + coordinate(random) / 8;
      for (const double margin : {-1.0, 0.0, 1.0, 5.0, 12.5, 50.0}) {
        ASSERT_EQ(hull.WithinMargin(x, y, margin), hull.DistanceOutside(x, y) <= margin)
            << "set " << set << " shape " << shape << " n " << n << " at (" << x << ", " << y << ") margin "
            << margin;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 400 * 200 * 6);
}

TEST(ConvexHullTest, CollinearPointsAreASegmentNotAnArea) {
  const ConvexHull segment({{0, 0, 0}, {10, 10, 0}, {20, 20, 0}});
  EXPECT_TRUE(segment.WithinMargin(10, 10, 0));
  EXPECT_TRUE(segment.WithinMargin(24, 24, 6));    // 5.7 px beyond the end
  EXPECT_FALSE(segment.WithinMargin(25, 25, 5));   // 7.1 px beyond the end, on the line
  EXPECT_FALSE(segment.WithinMargin(10, 20, 5));   // 7.1 px beside it
}

}  // namespace
}  // namespace abis::finger::internal
