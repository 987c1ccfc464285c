// Composed slaps with known ground truth, for testing and measuring slap segmentation
// (slap_segmentation.h): single-finger prints placed as the fingers of a four-finger or two-thumb
// slap at 500 ppi, with the hand turned, the fingers fanned, fingertips at hand-like heights,
// optional middle phalanges below a distal crease, and chosen fingers left out (amputated or
// unprinted). Deterministic in the seed. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "abis/core/status.h"
#include "abis/finger_extract/image.h"
#include "abis/finger_extract/slap_segmentation.h"

namespace abis::finger {

struct SlapComposition {
  SlapKind kind = SlapKind::kRightFour;
  double hand_angle_degrees = 0;       // the whole hand, counter-clockwise on screen
  double fan_degrees = 6;              // how far the outer fingers lean out
  std::vector<int> missing_positions;  // positions of the slap left out
  bool middle_phalanges = true;        // print a middle phalanx below each distal crease
  std::uint64_t seed = 1;              // jitter of heights, angles and spacing
  int width = 1600;                    // slap size in pixels (3.2 x 2.0 inches at 500 ppi)
  int height = 1000;
};

struct ComposedFinger {
  int position = 0;
  RotatedBox box;  // the fingertip print's ridge area as placed
};

struct ComposedSlap {
  GrayImage image;                      // 500 ppi, white background
  std::vector<ComposedFinger> fingers;  // in image order
  std::vector<int> missing_positions;   // ascending
};

// Places prints[i] as the finger in slot i of SlapPositions(kind) (image order; a missing
// position's print is not used but must be given). Each print's ridge area is found with the
// extractor's segmentation. Fails with kInvalidArgument when the number of prints differs from
// the slap's fingers, a print is empty or holds no ridge area, a missing position is not one of
// the slap's, or the size is outside 256-4096 pixels per side.
Result<ComposedSlap> ComposeSlap(const std::vector<GrayImage>& prints, const SlapComposition& composition);

}  // namespace abis::finger
