// The master fingerprint of a synthetic finger: pattern class, orientation field, ridge
// pattern and its minutiae, on a canvas larger than an impression (room for displacement and
// rotation).
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "abis/finger_extract/synth.h"
#include "abis/minutiae/minutiae.h"
#include "synth/random.h"

namespace abis::finger::synth {

inline constexpr int kMasterMargin = 64;  // pixels added on each side of the impression size

struct MasterFingerprint {
  PatternClass pattern = PatternClass::kLeftLoop;
  double wavelength = 9;     // ridge period, pixels
  cv::Mat ridges;            // CV_32F in [-1, 1], > 0 on ridges; impression size + 2*margin
  cv::Mat finger_area;       // CV_8U, 255 inside the fingertip outline
  std::vector<Minutia> minutiae;  // master coordinates
};

// REQUIRES: size within the limits of GenerateSyntheticFinger.
MasterFingerprint GenerateMaster(Random& random, SynthImageSize size);

}  // namespace abis::finger::synth
