// The template's coarse orientation map: the per-pixel orientation field averaged per block as
// doubled-angle vectors weighted by coherence, kept where the block is mostly fingerprint and the
// averaged flow is clear.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "extractor/stages.h"

namespace abis::finger::extractor {
namespace {

constexpr double kMinMaskShare = 0.5;      // of a block's pixels inside the fingerprint area
// Length of the mean coherence-weighted doubled-angle vector. Swept on FVC2002 B (pooled EER,
// own templates, with the orientation factor but before the maps also set the overlap):
// 0.05: 2.5 %, 0.15: 2.3 %, 0.25: 2.0 %, 0.35: 1.9 %, 0.5: 2.8 %; too low lets smudges vote,
// too high leaves faint but true areas out.
constexpr double kMinBlockClarity = 0.3;

}  // namespace

RidgeOrientationMap SummarizeOrientation(const OrientationField& orientation, const cv::Mat& mask) {
  RidgeOrientationMap map;
  map.block_size = kOrientationMapBlock;
  map.columns = (mask.cols + kOrientationMapBlock - 1) / kOrientationMapBlock;
  map.rows = (mask.rows + kOrientationMapBlock - 1) / kOrientationMapBlock;
  map.cells.assign(static_cast<std::size_t>(map.columns) * map.rows, RidgeOrientationMap::kNoDirection);
  for (int by = 0; by < map.rows; ++by) {
    for (int bx = 0; bx < map.columns; ++bx) {
      const int x0 = bx * kOrientationMapBlock, y0 = by * kOrientationMapBlock;
      const int x1 = std::min(mask.cols, x0 + kOrientationMapBlock), y1 = std::min(mask.rows, y0 + kOrientationMapBlock);
      double sum_x = 0, sum_y = 0;
      int inside = 0;
      for (int y = y0; y < y1; ++y) {
        for (int x = x0; x < x1; ++x) {
          if (mask.at<std::uint8_t>(y, x) == 0) continue;
          ++inside;
          const double doubled = 2.0 * orientation.angle.at<float>(y, x);
          const double weight = orientation.coherence.at<float>(y, x);
          sum_x += weight * std::cos(doubled);
          sum_y += weight * std::sin(doubled);
        }
      }
      const int pixels = kOrientationMapBlock * kOrientationMapBlock;
      if (inside < kMinMaskShare * pixels || std::hypot(sum_x, sum_y) < kMinBlockClarity * inside) continue;
      double degrees = 0.5 * std::atan2(sum_y, sum_x) * 180.0 / std::numbers::pi;
      if (degrees < 0) degrees += 180;
      map.cells[static_cast<std::size_t>(by) * map.columns + bx] =
          static_cast<std::uint8_t>(static_cast<int>(std::lround(degrees)) % 180);
    }
  }
  return map;
}

}  // namespace abis::finger::extractor
