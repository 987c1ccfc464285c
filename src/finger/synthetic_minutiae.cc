#include "abis/finger/synthetic_minutiae.h"

#include <cmath>
#include <numbers>
#include <random>

namespace abis::finger {
namespace {

constexpr double kTwoPi = 2 * std::numbers::pi;

double WrapAngle(double angle) {
  angle = std::fmod(angle, kTwoPi);
  return angle < 0 ? angle + kTwoPi : angle;
}

constexpr int kMapBlock = 16;  // as our extractor's

// Degrees in [0, 180) of an image-convention ridge direction (y down) given in radians.
std::uint8_t DirectionDegrees(double radians) {
  double degrees = std::fmod(radians * 180 / std::numbers::pi, 180.0);
  if (degrees < 0) degrees += 180;
  return static_cast<std::uint8_t>(static_cast<int>(std::lround(degrees)) % 180);
}

RidgeOrientationMap EmptyMap(int width, int height) {
  RidgeOrientationMap map;
  map.block_size = kMapBlock;
  map.columns = (width + kMapBlock - 1) / kMapBlock;
  map.rows = (height + kMapBlock - 1) / kMapBlock;
  map.cells.assign(static_cast<std::size_t>(map.columns) * map.rows, RidgeOrientationMap::kNoDirection);
  return map;
}

}  // namespace

MinutiaeTemplate SyntheticFinger(std::uint64_t seed, const SyntheticFingerOptions& options) {
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  MinutiaeTemplate finger;
  finger.width = options.width;
  finger.height = options.height;
  finger.resolution_ppi = 500;
  finger.finger_quality = 60;
  // Minutiae in an elliptical finger area, directions following a smooth field plus a local term,
  // so neighbouring minutiae are correlated as on a real finger.
  const double cx = options.width / 2.0, cy = options.height / 2.0;
  const double field_phase = unit(random) * kTwoPi;
  for (int attempt = 0; attempt < options.minutiae * 200 && static_cast<int>(finger.minutiae.size()) < options.minutiae;
       ++attempt) {
    const double x = options.width * (0.05 + 0.9 * unit(random));
    const double y = options.height * (0.05 + 0.9 * unit(random));
    const double ex = (x - cx) / (0.46 * options.width), ey = (y - cy) / (0.46 * options.height);
    if (ex * ex + ey * ey > 1) continue;
    bool too_close = false;
    for (const Minutia& other : finger.minutiae) {
      if (std::hypot(other.x - x, other.y - y) < options.min_spacing) {
        too_close = true;
        break;
      }
    }
    if (too_close) continue;
    Minutia minutia;
    minutia.x = static_cast<int>(x);
    minutia.y = static_cast<int>(y);
    const double flow = std::atan2(y - cy, x - cx) * 0.5 + field_phase;
    minutia.angle = WrapAngle(flow + (unit(random) < 0.5 ? 0 : std::numbers::pi) + (unit(random) - 0.5) * 0.6);
    minutia.type = unit(random) < 0.6 ? MinutiaType::kEnding : MinutiaType::kBifurcation;
    minutia.quality = 40 + static_cast<int>(unit(random) * 60);
    finger.minutiae.push_back(minutia);
  }
  // The orientation map of the same field over the finger area (ISO angles count with y up, image
  // directions with y down, hence the minus).
  finger.orientation = EmptyMap(options.width, options.height);
  for (int row = 0; row < finger.orientation.rows; ++row) {
    for (int column = 0; column < finger.orientation.columns; ++column) {
      const double x = (column + 0.5) * kMapBlock, y = (row + 0.5) * kMapBlock;
      const double ex = (x - cx) / (0.46 * options.width), ey = (y - cy) / (0.46 * options.height);
      if (ex * ex + ey * ey > 1) continue;
      finger.orientation.cells[static_cast<std::size_t>(row) * finger.orientation.columns + column] =
          DirectionDegrees(-(std::atan2(y - cy, x - cx) * 0.5 + field_phase));
    }
  }
  return finger;
}

MinutiaeTemplate SyntheticImpression(const MinutiaeTemplate& finger, std::uint64_t seed,
                                     const ImpressionOptions& options) {
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  std::normal_distribution<double> gauss(0, 1);
  MinutiaeTemplate impression = finger;
  impression.minutiae.clear();
  const double cx = finger.width / 2.0, cy = finger.height / 2.0;
  const double c = std::cos(options.rotation), s = std::sin(options.rotation);
  const auto keep_inside = [&](double x, double y) {
    return x >= 0 && y >= 0 && x < finger.width && y < finger.height;
  };
  for (const Minutia& minutia : finger.minutiae) {
    if (unit(random) < options.drop_fraction) continue;
    // Rotation counter-clockwise on screen (y down): the image-space angle convention of ISO.
    const double rx = minutia.x - cx, ry = minutia.y - cy;
    const double x = cx + c * rx + s * ry + options.dx + gauss(random) * options.position_noise;
    const double y = cy - s * rx + c * ry + options.dy + gauss(random) * options.position_noise;
    if (!keep_inside(x, y)) continue;
    Minutia moved = minutia;
    moved.x = static_cast<int>(std::lround(x));
    moved.y = static_cast<int>(std::lround(y));
    if (moved.x >= finger.width || moved.y >= finger.height) continue;
    moved.angle = WrapAngle(minutia.angle + options.rotation + gauss(random) * options.angle_noise);
    impression.minutiae.push_back(moved);
  }
  // The map moves with the finger: each cell of the impression looks up where it came from.
  if (!finger.orientation.empty()) {
    const RidgeOrientationMap& source = finger.orientation;
    impression.orientation = EmptyMap(finger.width, finger.height);
    for (int row = 0; row < impression.orientation.rows; ++row) {
      for (int column = 0; column < impression.orientation.columns; ++column) {
        const double x = (column + 0.5) * kMapBlock - cx - options.dx;
        const double y = (row + 0.5) * kMapBlock - cy - options.dy;
        const double fx = cx + c * x - s * y, fy = cy + s * x + c * y;
        const int source_column = static_cast<int>(std::floor(fx / source.block_size));
        const int source_row = static_cast<int>(std::floor(fy / source.block_size));
        if (source_column < 0 || source_row < 0 || source_column >= source.columns || source_row >= source.rows) continue;
        const std::uint8_t direction = source.cells[static_cast<std::size_t>(source_row) * source.columns + source_column];
        if (direction == RidgeOrientationMap::kNoDirection) continue;
        impression.orientation.cells[static_cast<std::size_t>(row) * impression.orientation.columns + column] =
            DirectionDegrees((direction * std::numbers::pi / 180) - options.rotation);
      }
    }
  }
  const int spurious = static_cast<int>(std::lround(options.spurious_fraction * finger.minutiae.size()));
  for (int i = 0; i < spurious; ++i) {
    Minutia extra;
    extra.x = static_cast<int>(unit(random) * (finger.width - 1));
    extra.y = static_cast<int>(unit(random) * (finger.height - 1));
    extra.angle = unit(random) * kTwoPi;
    extra.type = MinutiaType::kEnding;
    extra.quality = 20;
    impression.minutiae.push_back(extra);
  }
  return impression;
}

ImpressionOptions TypicalImpressionOptions(std::uint64_t seed) {
  std::mt19937_64 random(seed ^ 0xA5A5A5A5ull);
  std::uniform_real_distribution<double> symmetric(-1, 1);
  ImpressionOptions options;
  options.rotation = symmetric(random) * 20 * std::numbers::pi / 180;
  options.dx = symmetric(random) * 20;
  options.dy = symmetric(random) * 20;
  options.position_noise = 2;
  options.angle_noise = 0.1;
  options.drop_fraction = 0.15;
  options.spurious_fraction = 0.10;
  return options;
}

}  // namespace abis::finger
