#include "mcc_consolidation.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <optional>

#include "geometry.h"

namespace abis::finger::internal {
namespace {

std::vector<OrientedPoint> CentresOf(const MccTemplate& cylinders) {
  std::vector<OrientedPoint> points;
  points.reserve(cylinders.size());
  for (const MccTemplate::Centre& centre : cylinders.centres) points.push_back({centre.x, centre.y, centre.angle});
  return points;
}

// The area of a template that counts as overlap for the other template's cylinders: where its
// orientation map has a direction when both templates have maps (the clear fingerprint area
// itself, holes and ragged borders included), else the convex hull of its cylinder centres plus
// a margin.
class OverlapArea {
 public:
  OverlapArea(const MccTemplate& cylinders, const std::vector<OrientedPoint>& points, bool use_map, double margin)
      : margin_(margin) {
    if (use_map) {
      map_.emplace(cylinders);
    } else {
      hull_.emplace(points);
    }
  }
  bool Contains(double x, double y) const { return map_ ? map_->Contains(x, y) : hull_->WithinMargin(x, y, margin_); }

 private:
  std::optional<DirectedArea> map_;
  std::optional<ConvexHull> hull_;
  double margin_;
};

struct PairCandidate {
  int probe = 0;
  int reference = 0;
  double priority = 0;
};

}  // namespace

AlignedConsolidation ConsolidateUnderAlignment(const MccTemplate& probe, const MccTemplate& reference,
                                               const std::vector<float>& similarity,
                                               std::span<const std::pair<int, int>> anchors,
                                               const MccParameters& parameters) {
  AlignedConsolidation best;
  const int na = static_cast<int>(probe.size());
  const int nb = static_cast<int>(reference.size());
  if (na == 0 || nb == 0 || anchors.empty()) return best;
  assert(similarity.size() == static_cast<std::size_t>(na) * nb);
  const std::vector<OrientedPoint> probe_points = CentresOf(probe);
  const std::vector<OrientedPoint> reference_points = CentresOf(reference);
  const bool use_maps = HasOrientationMap(probe) && HasOrientationMap(reference);
  const OverlapArea probe_area(probe, probe_points, use_maps, parameters.consolidation_hull_margin);
  const OverlapArea reference_area(reference, reference_points, use_maps, parameters.consolidation_hull_margin);
  const double min_overlap = std::max(1.0, parameters.consolidation_min_overlap);

  // Directions as unit vectors: two directions agree within the tolerance when the cosine of
  // their difference is at least cos(tolerance).
  const double min_direction_cosine = std::cos(parameters.consolidation_angle_tolerance);
  std::vector<double> probe_cos(na), probe_sin(na), reference_cos(nb), reference_sin(nb);
  for (int i = 0; i < na; ++i) {
    probe_cos[i] = std::cos(probe_points[i].angle);
    probe_sin[i] = std::sin(probe_points[i].angle);
  }
  for (int j = 0; j < nb; ++j) {
    reference_cos[j] = std::cos(reference_points[j].angle);
    reference_sin[j] = std::sin(reference_points[j].angle);
  }
  std::vector<double> aligned_x(na), aligned_y(na), aligned_cos(na), aligned_sin(na);
  std::vector<double> probe_from_anchor(na), reference_from_anchor(nb);
  std::vector<PairCandidate> candidates;
  std::vector<char> probe_used, reference_used;
  const auto tried = std::min<std::size_t>(anchors.size(), static_cast<std::size_t>(parameters.consolidation_anchors));
  for (std::size_t k = 0; k < tried; ++k) {
    assert(anchors[k].first >= 0 && anchors[k].first < na && anchors[k].second >= 0 && anchors[k].second < nb);
    const OrientedPoint& a = probe_points[anchors[k].first];
    const OrientedPoint& b = reference_points[anchors[k].second];
    const double rotation = AngleDifference(b.angle, a.angle);
    const double cos_r = std::cos(rotation);
    const double sin_r = std::sin(rotation);

    AlignedConsolidation current;
    current.alignment = {rotation, b.x - (cos_r * a.x - sin_r * a.y), b.y - (sin_r * a.x + cos_r * a.y)};
    for (int i = 0; i < na; ++i) {
      const double dx = probe_points[i].x - a.x;
      const double dy = probe_points[i].y - a.y;
      aligned_x[i] = b.x + cos_r * dx - sin_r * dy;
      aligned_y[i] = b.y + sin_r * dx + cos_r * dy;
      aligned_cos[i] = cos_r * probe_cos[i] - sin_r * probe_sin[i];
      aligned_sin[i] = sin_r * probe_cos[i] + cos_r * probe_sin[i];
      probe_from_anchor[i] = std::hypot(dx, dy);
      if (reference_area.Contains(aligned_x[i], aligned_y[i])) {
        ++current.overlap_probe;
      }
    }
    for (int j = 0; j < nb; ++j) {  // the inverse transform takes the reference into the probe's frame
      const double dx = reference_points[j].x - b.x;
      const double dy = reference_points[j].y - b.y;
      if (probe_area.Contains(a.x + cos_r * dx + sin_r * dy, a.y - sin_r * dx + cos_r * dy)) {
        ++current.overlap_reference;
      }
      reference_from_anchor[j] = std::hypot(dx, dy);
    }

    candidates.clear();
    for (int i = 0; i < na; ++i) {
      const float* local = &similarity[static_cast<std::size_t>(i) * nb];
      for (int j = 0; j < nb; ++j) {
        const double ex = aligned_x[i] - reference_points[j].x;
        const double ey = aligned_y[i] - reference_points[j].y;
        const double distance_sq = ex * ex + ey * ey;
        // The same tolerance whichever template is the probe: it grows with the mean distance of
        // the two minutiae from their anchors.
        const double tolerance = parameters.consolidation_distance_tolerance +
                                 parameters.consolidation_tolerance_growth * 0.5 *
                                     (probe_from_anchor[i] + reference_from_anchor[j]);
        if (!(tolerance > 0) || distance_sq > tolerance * tolerance) continue;
        if (aligned_cos[i] * reference_cos[j] + aligned_sin[i] * reference_sin[j] < min_direction_cosine) continue;
        if (!(local[j] > 0)) continue;  // cylinders that cannot be compared (minME) give no evidence
        candidates.push_back({i, j, local[j] + 0.5 * (1 - std::sqrt(distance_sq) / tolerance)});
      }
    }
    std::sort(candidates.begin(), candidates.end(), [](const PairCandidate& x, const PairCandidate& y) {
      return x.priority > y.priority ||
             (x.priority == y.priority && (x.probe < y.probe || (x.probe == y.probe && x.reference < y.reference)));
    });
    probe_used.assign(na, 0);
    reference_used.assign(nb, 0);
    double similarity_sum = 0;
    for (const PairCandidate& candidate : candidates) {
      if (probe_used[candidate.probe] || reference_used[candidate.reference]) continue;
      probe_used[candidate.probe] = reference_used[candidate.reference] = 1;
      ++current.paired;
      similarity_sum += similarity[static_cast<std::size_t>(candidate.probe) * nb + candidate.reference];
    }
    current.score = std::min(1.0, similarity_sum / std::sqrt(std::max<double>(current.overlap_probe, min_overlap) *
                                                             std::max<double>(current.overlap_reference, min_overlap)));
    current.orientation = CompareOrientationMaps(probe, reference, current.alignment);
    current.orientation_factor = OrientationFactor(current.orientation, parameters);
    // With maps, the alignment under which minutiae and ridge flow together agree best wins;
    // without them, as before the maps, the one that pairs the most cylinders, then scores highest.
    const bool better = use_maps ? current.score * current.orientation_factor > best.score * best.orientation_factor
                                 : current.paired > best.paired ||
                                       (current.paired == best.paired && current.score > best.score);
    if (k == 0 || better) best = current;
  }
  return best;
}

}  // namespace abis::finger::internal
