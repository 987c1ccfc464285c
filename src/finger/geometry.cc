#include "geometry.h"

#include <algorithm>
#include <limits>

namespace abis::finger::internal {
namespace {

constexpr double kReferencePpi = 500;

double Cross(const std::pair<double, double>& o, const std::pair<double, double>& a,
             const std::pair<double, double>& b) {
  return (a.first - o.first) * (b.second - o.second) - (a.second - o.second) * (b.first - o.first);
}

double DistanceToSegment(double x, double y, const std::pair<double, double>& a, const std::pair<double, double>& b) {
  const double dx = b.first - a.first;
  const double dy = b.second - a.second;
  const double length_sq = dx * dx + dy * dy;
  double t = length_sq > 0 ? ((x - a.first) * dx + (y - a.second) * dy) / length_sq : 0;
  t = std::clamp(t, 0.0, 1.0);
  return std::hypot(x - (a.first + t * dx), y - (a.second + t * dy));
}

}  // namespace

double ScaleTo500Ppi(const MinutiaeTemplate& minutiae) {
  return (minutiae.resolution_ppi > 0 && std::abs(minutiae.resolution_ppi - kReferencePpi) > 5)
             ? kReferencePpi / minutiae.resolution_ppi
             : 1.0;
}

std::vector<OrientedPoint> ToUprightPoints(const MinutiaeTemplate& minutiae) {
  const double scale = ScaleTo500Ppi(minutiae);
  std::vector<OrientedPoint> points;
  points.reserve(minutiae.minutiae.size());
  for (const Minutia& minutia : minutiae.minutiae) {
    points.push_back({minutia.x * scale, -minutia.y * scale, minutia.angle});
  }
  return points;
}

ConvexHull::ConvexHull(const std::vector<OrientedPoint>& points) {
  std::vector<std::pair<double, double>> sorted;
  sorted.reserve(points.size());
  for (const OrientedPoint& p : points) sorted.emplace_back(p.x, p.y);
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  if (sorted.size() < 3) {
    vertices_ = sorted;
    return;
  }
  std::vector<std::pair<double, double>> hull(2 * sorted.size());
  std::size_t k = 0;
  for (const auto& p : sorted) {
    while (k >= 2 && Cross(hull[k - 2], hull[k - 1], p) <= 0) --k;
    hull[k++] = p;
  }
  for (std::size_t i = sorted.size() - 1, lower = k + 1; i-- > 0;) {
    while (k >= lower && Cross(hull[k - 2], hull[k - 1], sorted[i]) <= 0) --k;
    hull[k++] = sorted[i];
  }
  hull.resize(k - 1);
  vertices_ = std::move(hull);
  if (vertices_.size() < 3) return;  // collinear points: DistanceOutside treats it as a polyline
  const auto [left, right] = std::minmax_element(vertices_.begin(), vertices_.end());
  min_x_ = left->first;
  max_x_ = right->first;
  const auto [bottom, top] = std::minmax_element(vertices_.begin(), vertices_.end(),
                                                 [](const auto& a, const auto& b) { return a.second < b.second; });
  min_y_ = bottom->second;
  max_y_ = top->second;
  edges_.reserve(vertices_.size());
  for (std::size_t i = 0; i < vertices_.size(); ++i) {
    const auto& a = vertices_[i];
    const auto& b = vertices_[(i + 1) % vertices_.size()];
    const double dx = b.first - a.first;
    const double dy = b.second - a.second;
    const double length_sq = dx * dx + dy * dy;
    edges_.push_back({a.first, a.second, dx, dy, length_sq > 0 ? 1 / length_sq : 0});
  }
}

double ConvexHull::DistanceOutside(double x, double y) const {
  if (vertices_.empty()) return std::numeric_limits<double>::infinity();
  if (vertices_.size() == 1) return std::hypot(x - vertices_[0].first, y - vertices_[0].second);
  bool inside = vertices_.size() >= 3;
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < vertices_.size(); ++i) {
    const auto& a = vertices_[i];
    const auto& b = vertices_[(i + 1) % vertices_.size()];
    if (Cross(a, b, {x, y}) < 0) inside = false;
    best = std::min(best, DistanceToSegment(x, y, a, b));
  }
  return inside ? 0 : best;
}

bool ConvexHull::WithinMargin(double x, double y, double margin) const {
  if (!(margin >= 0)) return false;  // DistanceOutside is never negative
  if (edges_.empty()) return DistanceOutside(x, y) <= margin;
  const double slack = margin * (1 + 1e-9) + 1e-9;  // rounding of the box test stays conservative
  if (x < min_x_ - slack || x > max_x_ + slack || y < min_y_ - slack || y > max_y_ + slack) return false;
  bool inside = true;
  for (const Edge& e : edges_) {
    if (e.dx * (y - e.ay) - e.dy * (x - e.ax) < 0) {  // the same expression as Cross(a, b, {x, y})
      inside = false;
      break;
    }
  }
  if (inside) return 0 <= margin;
  // A point of the segment at parameter t (clamped, rounded) is never closer than the segment,
  // and the rounding of t moves it by far less than the band: the comparison stays conservative.
  double best_sq = std::numeric_limits<double>::infinity();
  for (const Edge& e : edges_) {
    const double t = std::clamp(((x - e.ax) * e.dx + (y - e.ay) * e.dy) * e.inverse_length_sq, 0.0, 1.0);
    const double ex = x - (e.ax + t * e.dx);
    const double ey = y - (e.ay + t * e.dy);
    best_sq = std::min(best_sq, ex * ex + ey * ey);
  }
  const double margin_sq = margin * margin;
  if (best_sq > margin_sq * (1 + 1e-9)) return false;
  if (best_sq < margin_sq * (1 - 1e-9)) return true;
  return DistanceOutside(x, y) <= margin;
}

}  // namespace abis::finger::internal
