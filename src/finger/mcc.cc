// Cylinder construction for the MCC bit variant (see include/abis/finger/mcc.h for the model).
#include "abis/finger/mcc.h"

#include <algorithm>
#include <cmath>

#include "geometry.h"

namespace abis::finger {
namespace {

struct SpatialCellOffset {
  double along = 0;   // along the minutia direction
  double across = 0;  // perpendicular, to the left
};

// Centres of the spatial cells that lie within the cylinder's circle, in a fixed order.
const std::vector<SpatialCellOffset>& CircleCellOffsets(double radius) {
  static const std::vector<SpatialCellOffset> offsets = [radius] {
    std::vector<SpatialCellOffset> cells;
    const double cell_size = 2 * radius / kMccSpatialCells;
    for (int i = 0; i < kMccSpatialCells; ++i) {
      for (int j = 0; j < kMccSpatialCells; ++j) {
        const double along = (i - (kMccSpatialCells - 1) / 2.0) * cell_size;
        const double across = (j - (kMccSpatialCells - 1) / 2.0) * cell_size;
        if (along * along + across * across <= radius * radius) cells.push_back({along, across});
      }
    }
    return cells;
  }();
  return offsets;
}

}  // namespace

MccTemplate BuildMccTemplate(const MinutiaeTemplate& minutiae, const MccParameters& parameters) {
  const std::vector<SpatialCellOffset>& offsets = CircleCellOffsets(70);
  const double scale = 70 / parameters.radius;  // cell table is for R = 70; scale other radii
  const std::vector<internal::OrientedPoint> points = internal::ToUprightPoints(minutiae);
  const internal::ConvexHull hull(points);

  const double cell_angle = 2 * std::numbers::pi / kMccAngularCells;
  const double neighbour_radius = 3 * parameters.sigma_spatial;
  const double neighbour_radius_sq = neighbour_radius * neighbour_radius;
  const double contributor_radius = parameters.radius + neighbour_radius;
  const double spatial_norm = 1.0 / (parameters.sigma_spatial * std::sqrt(2 * std::numbers::pi));
  const double min_valid_cells = parameters.min_valid_cell_fraction * kMccCircleCells;

  MccTemplate result;
  std::vector<int> contributors;
  for (std::size_t m = 0; m < points.size(); ++m) {
    const internal::OrientedPoint& centre = points[m];
    contributors.clear();
    for (std::size_t t = 0; t < points.size(); ++t) {
      if (t == m) continue;
      const double dx = points[t].x - centre.x;
      const double dy = points[t].y - centre.y;
      if (dx * dx + dy * dy <= contributor_radius * contributor_radius) contributors.push_back(static_cast<int>(t));
    }
    if (static_cast<int>(contributors.size()) < parameters.min_neighbour_minutiae) continue;

    // Directional contributions depend only on the pair (m, t): one value per angular section.
    std::vector<std::array<double, kMccAngularCells>> directional(contributors.size());
    for (std::size_t c = 0; c < contributors.size(); ++c) {
      const double relative = internal::AngleDifference(centre.angle, points[contributors[c]].angle);
      for (int k = 0; k < kMccAngularCells; ++k) {
        const double section_centre = -std::numbers::pi + (k + 0.5) * cell_angle;
        const double alpha = internal::AngleDifference(section_centre, relative);
        const double denominator = parameters.sigma_directional * std::sqrt(2.0);
        directional[c][k] = 0.5 * (std::erf((alpha + cell_angle / 2) / denominator) -
                                   std::erf((alpha - cell_angle / 2) / denominator));
      }
    }

    MccBits cells{};
    MccBits validity{};
    int valid_cells = 0;
    const double cos_a = std::cos(centre.angle);
    const double sin_a = std::sin(centre.angle);
    for (std::size_t s = 0; s < offsets.size(); ++s) {
      const double along = offsets[s].along / scale;
      const double across = offsets[s].across / scale;
      const double cell_x = centre.x + along * cos_a - across * sin_a;
      const double cell_y = centre.y + along * sin_a + across * cos_a;
      if (hull.DistanceOutside(cell_x, cell_y) > parameters.hull_offset) continue;
      ++valid_cells;
      std::array<double, kMccAngularCells> sums{};
      for (std::size_t c = 0; c < contributors.size(); ++c) {
        const double dx = points[contributors[c]].x - cell_x;
        const double dy = points[contributors[c]].y - cell_y;
        const double distance_sq = dx * dx + dy * dy;
        if (distance_sq > neighbour_radius_sq) continue;
        const double spatial =
            spatial_norm * std::exp(-distance_sq / (2 * parameters.sigma_spatial * parameters.sigma_spatial));
        for (int k = 0; k < kMccAngularCells; ++k) sums[k] += spatial * directional[c][k];
      }
      for (int k = 0; k < kMccAngularCells; ++k) {
        const int bit = static_cast<int>(s) * kMccAngularCells + k;
        validity[bit / 64] |= std::uint64_t{1} << (bit % 64);
        if (sums[k] >= parameters.mu_psi) cells[bit / 64] |= std::uint64_t{1} << (bit % 64);
      }
    }
    if (valid_cells < min_valid_cells) continue;
    result.centres.push_back({static_cast<float>(centre.x), static_cast<float>(centre.y),
                              static_cast<float>(centre.angle), static_cast<int>(m)});
    result.cells.push_back(cells);
    result.validity.push_back(validity);
    result.valid_cell_bits.push_back(static_cast<std::uint16_t>(valid_cells * kMccAngularCells));
  }
  return result;
}

}  // namespace abis::finger
