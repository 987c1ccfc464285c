// Synthetic minutiae templates for tests and benchmarks (not images: the image-side generator
// lives in finger_extract). A "finger" is a random minutiae set with a minimum spacing; an
// "impression" of it is a rigid motion (rotation about the centre + translation) with position and
// direction noise, dropped minutiae, spurious minutiae and clipping to the image. A finger also
// gets the orientation map (16 px blocks) of the smooth field its minutia directions follow, and
// an impression the same map moved with it. Deterministic
// for a given seed. Thread-safety: pure functions.
#pragma once

#include <cstdint>

#include "abis/minutiae/minutiae.h"

namespace abis::finger {

struct SyntheticFingerOptions {
  int width = 300;
  int height = 400;
  int minutiae = 40;
  int min_spacing = 12;  // pixels between minutiae
};

struct ImpressionOptions {
  double rotation = 0;          // radians, about the image centre
  double dx = 0, dy = 0;        // pixels
  double position_noise = 0;    // standard deviation in pixels
  double angle_noise = 0;       // standard deviation in radians
  double drop_fraction = 0;     // fraction of true minutiae lost
  double spurious_fraction = 0; // spurious minutiae added, as a fraction of the true count
};

MinutiaeTemplate SyntheticFinger(std::uint64_t seed, const SyntheticFingerOptions& options = {});

// An impression of `finger`; minutiae moved outside the image are dropped.
MinutiaeTemplate SyntheticImpression(const MinutiaeTemplate& finger, std::uint64_t seed,
                                     const ImpressionOptions& options);

// Moderate, randomised impression settings (rotation +-20 deg, shift +-20 px, 2 px / 0.1 rad
// noise, 15% dropped, 10% spurious), drawn from `seed`.
ImpressionOptions TypicalImpressionOptions(std::uint64_t seed);

}  // namespace abis::finger
