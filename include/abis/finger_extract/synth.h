// Synthetic fingerprints (SFinGe-style, Cappelli, Maio & Maltoni): a master fingerprint per
// finger from an orientation-field model with cores and deltas by pattern class and ridges grown
// by iterative Gabor filtering from noise; impressions of it with displacement, rotation,
// elastic distortion, pressure, noise and partial contact. Everything is deterministic in
// (seed, finger index), so datasets are reproducible and fingers can be made in parallel.
// Thread-safety: the functions are pure.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "abis/core/status.h"
#include "abis/finger_extract/image.h"
#include "abis/minutiae/minutiae.h"

namespace abis::finger {

enum class PatternClass : std::uint8_t { kArch, kTentedArch, kLeftLoop, kRightLoop, kWhorl };

// "arch", "tented_arch", "left_loop", "right_loop", "whorl".
std::string_view PatternClassName(PatternClass pattern);

struct SynthImageSize {
  int width = 320;   // impression size in pixels at 500 ppi
  int height = 400;
};

struct SyntheticImpression {
  GrayImage image;                  // 500 ppi, light background, dark ridges
  std::vector<Minutia> minutiae;    // ground truth in this image's coordinates, contact area only
  double rotation_degrees = 0;      // applied to the master (counter-clockwise on screen)
  double shift_x = 0;               // pixels
  double shift_y = 0;
};

struct SyntheticFinger {
  int index = 0;                    // 0-based within the dataset
  PatternClass pattern = PatternClass::kLeftLoop;
  double ridge_wavelength = 9;      // pixels between ridges
  std::vector<Minutia> master_minutiae;  // in master coordinates (master = impression frame of a
                                         // centred, unrotated, undistorted impression)
  std::vector<SyntheticImpression> impressions;
};

// Generates finger `index` of the dataset defined by `seed`, with `impressions` impressions.
// REQUIRES: impressions >= 1, size at least 128x128 and at most 2048x2048.
SyntheticFinger GenerateSyntheticFinger(std::uint64_t seed, int index, int impressions, SynthImageSize size = {});

struct SynthDatasetOptions {
  int fingers = 10;
  int impressions = 8;
  std::uint64_t seed = 1;
  SynthImageSize size;
  int threads = 0;  // 0 = hardware concurrency
};

// Writes <dir>/<finger>_<impression>.png (both numbered from 1, FVC style) and
// <dir>/ground_truth.json (docs/EXTRACTOR.md describes it). `progress`, when set, is called
// with the number of fingers done. kInvalidArgument for counts outside 1-100000 fingers or 1-32
// impressions; kIoError when a file cannot be written.
Status WriteSyntheticDataset(const std::string& dir, const SynthDatasetOptions& options,
                             const std::function<void(int done, int total)>& progress = {});

}  // namespace abis::finger
