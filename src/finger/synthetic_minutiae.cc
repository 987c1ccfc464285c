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
