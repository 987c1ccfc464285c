// Plane geometry shared by the cylinder builder and the matcher. Internal to src/finger/.
#pragma once

#include <cmath>
#include <numbers>
#include <vector>

#include "abis/minutiae/minutiae.h"

namespace abis::finger::internal {

// A minutia in an upright frame: pixels at 500 ppi, y pointing up, angle counter-clockwise.
struct OrientedPoint {
  double x = 0;
  double y = 0;
  double angle = 0;
};

// a - b wrapped to [-pi, pi).
inline double AngleDifference(double a, double b) {
  double d = std::fmod(a - b, 2 * std::numbers::pi);
  if (d < -std::numbers::pi) d += 2 * std::numbers::pi;
  if (d >= std::numbers::pi) d -= 2 * std::numbers::pi;
  return d;
}

// The factor that takes the template's pixels to 500 ppi pixels (1 when the resolution is unknown
// or within 5 ppi of 500).
double ScaleTo500Ppi(const MinutiaeTemplate& minutiae);

// Minutiae rescaled to 500 ppi (when the resolution is known) with y negated.
std::vector<OrientedPoint> ToUprightPoints(const MinutiaeTemplate& minutiae);

// The convex hull of a point set (Andrew's monotone chain), counter-clockwise.
class ConvexHull {
 public:
  explicit ConvexHull(const std::vector<OrientedPoint>& points);
  // 0 inside or on the hull, else the Euclidean distance to it.
  double DistanceOutside(double x, double y) const;
  // Exactly DistanceOutside(x, y) <= margin, cheaper: a bounding-box reject, the inside test
  // on precomputed edges, then squared distances, trusted only outside a relative band of 1e-9
  // around the margin (inside the band DistanceOutside decides), so the answer is the same bit
  // for bit (the cylinder validity of mcc.cc is pinned by tests/finger/mcc_cylinder_reference_test).
  bool WithinMargin(double x, double y, double margin) const;
  // Counter-clockwise vertices (fewer than 3 when the points are degenerate).
  const std::vector<std::pair<double, double>>& vertices() const { return vertices_; }

 private:
  struct Edge {
    double ax, ay, dx, dy, inverse_length_sq;
  };
  std::vector<std::pair<double, double>> vertices_;
  std::vector<Edge> edges_;  // vertex i to vertex i + 1; empty when there are fewer than 3 vertices
  double min_x_ = 0, max_x_ = 0, min_y_ = 0, max_y_ = 0;  // bounding box of the vertices
};

}  // namespace abis::finger::internal
