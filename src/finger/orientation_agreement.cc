#include "orientation_agreement.h"

#include <array>
#include <cmath>
#include <numbers>

namespace abis::finger::internal {
namespace {

constexpr double kDegree = std::numbers::pi / 180;

// cos and sin of twice every whole-degree difference -179..179 (index + 179).
struct DoubledAngleTable {
  std::array<double, 359> cosine{};
  std::array<double, 359> sine{};
  DoubledAngleTable() {
    for (int d = -179; d <= 179; ++d) {
      cosine[d + 179] = std::cos(2 * d * kDegree);
      sine[d + 179] = std::sin(2 * d * kDegree);
    }
  }
};

constexpr int kMinDirectedCells = 16;  // a map with fewer (a 64 x 64 px area) is not used
constexpr int kMinComparedCells = 4;   // each way; fewer overlapping cells say nothing

// Cells 180-254 cannot come from the template decoder, but a map built in memory may hold them:
// they count as "no direction" like 255, so no table is ever indexed out of range.
constexpr auto Directed = RidgeOrientationMap::IsDirection;

bool Usable(const MccTemplate& cylinders) {
  const RidgeOrientationMap& map = cylinders.orientation;
  if (map.block_size <= 0 || map.columns <= 0 || map.rows <= 0 ||
      map.cells.size() != static_cast<std::size_t>(map.columns) * map.rows ||
      !(cylinders.orientation_scale > 0 && std::isfinite(cylinders.orientation_scale))) {
    return false;
  }
  int directed = 0;
  for (const std::uint8_t cell : map.cells) {
    if (Directed(cell) && ++directed >= kMinDirectedCells) return true;
  }
  return false;
}

struct Sums {
  double cosine = 0;
  int cells = 0;
};

// Carries every directed cell of `from` into `to` (upright frames: to = R * from + t).
Sums CarryInto(const MccTemplate& from, const MccTemplate& to, const RigidAlignment& alignment) {
  static const DoubledAngleTable table;
  Sums sums;
  const RidgeOrientationMap& a = from.orientation;
  const RidgeOrientationMap& b = to.orientation;
  const double cos_r = std::cos(alignment.rotation), sin_r = std::sin(alignment.rotation);
  // Image directions run with y down, so an upright rotation by r turns them by -r:
  // cos(2 (d - r)) = cos(2d) cos(2r) + sin(2d) sin(2r), d the whole-degree difference of the cells.
  const double cos_2r = std::cos(2 * alignment.rotation), sin_2r = std::sin(2 * alignment.rotation);
  const double from_step = a.block_size * static_cast<double>(from.orientation_scale);
  const double to_cells = 1.0 / (b.block_size * static_cast<double>(to.orientation_scale));
  // Cell centres of `from` step by from_step along x and down y; carried into `to`'s cell units
  // they step by constant vectors, so each cell costs two additions and a lookup.
  const double column_step_x = cos_r * from_step * to_cells, column_step_y = -sin_r * from_step * to_cells;
  const double row_step_x = sin_r * from_step * to_cells, row_step_y = cos_r * from_step * to_cells;
  // Position (in `to`'s cells, x right, y down) of the centre of cell (0, 0) of `from`.
  const double x0 = 0.5 * from_step, y0 = -0.5 * from_step;
  const double origin_x = (cos_r * x0 - sin_r * y0 + alignment.translation_x) * to_cells;
  const double origin_y = -(sin_r * x0 + cos_r * y0 + alignment.translation_y) * to_cells;
  for (int row = 0; row < a.rows; ++row) {
    const std::uint8_t* cells = &a.cells[static_cast<std::size_t>(row) * a.columns];
    double bx = origin_x + row * row_step_x;
    double by = origin_y + row * row_step_y;
    for (int column = 0; column < a.columns; ++column, bx += column_step_x, by += column_step_y) {
      if (!Directed(cells[column])) continue;
      if (!(bx >= 0 && by >= 0 && bx < b.columns && by < b.rows)) continue;
      const std::uint8_t other =
          b.cells[static_cast<std::size_t>(by) * b.columns + static_cast<std::size_t>(bx)];  // truncation = floor here
      if (!Directed(other)) continue;
      const int difference = static_cast<int>(cells[column]) - static_cast<int>(other) + 179;
      sums.cosine += table.cosine[difference] * cos_2r + table.sine[difference] * sin_2r;
      ++sums.cells;
    }
  }
  return sums;
}

}  // namespace

OrientationAgreement CompareOrientationMaps(const MccTemplate& probe, const MccTemplate& reference,
                                            const RigidAlignment& alignment) {
  OrientationAgreement agreement;
  if (!Usable(probe) || !Usable(reference)) return agreement;
  const Sums forward = CarryInto(probe, reference, alignment);
  // The inverse motion: probe = R(-rotation) * (reference - t).
  const double cos_r = std::cos(alignment.rotation), sin_r = std::sin(alignment.rotation);
  const RigidAlignment inverse{-alignment.rotation,
                               -(cos_r * alignment.translation_x + sin_r * alignment.translation_y),
                               -(-sin_r * alignment.translation_x + cos_r * alignment.translation_y)};
  const Sums backward = CarryInto(reference, probe, inverse);
  agreement.cells = forward.cells + backward.cells;
  if (forward.cells >= kMinComparedCells && backward.cells >= kMinComparedCells) {
    agreement.compared = true;
    agreement.mean_cosine = 0.5 * (forward.cosine / forward.cells + backward.cosine / backward.cells);
  }
  return agreement;
}

bool HasOrientationMap(const MccTemplate& cylinders) { return Usable(cylinders); }

DirectedArea::DirectedArea(const MccTemplate& cylinders)
    : map_(cylinders.orientation),
      to_cells_(1.0 / (cylinders.orientation.block_size * static_cast<double>(cylinders.orientation_scale))) {}

bool DirectedArea::Contains(double x, double y) const {
  const double column = x * to_cells_, row = -y * to_cells_;
  if (!(column >= 0 && row >= 0 && column < map_.columns && row < map_.rows)) return false;
  return Directed(map_.cells[static_cast<std::size_t>(row) * map_.columns + static_cast<std::size_t>(column)]);
}

double OrientationFactor(const OrientationAgreement& agreement, const MccParameters& parameters) {
  if (!agreement.compared) return 1;
  return std::exp(parameters.orientation_weight * (agreement.mean_cosine - parameters.orientation_neutral_agreement));
}

}  // namespace abis::finger::internal
