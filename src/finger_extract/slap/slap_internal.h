// Internal parts of slap segmentation shared by slap_segmenter.cc and slap_positions.cc.
#pragma once

#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/finger_extract/slap_segmentation.h"

namespace abis::finger::internal {

// How a finger's box ends towards the palm.
enum class CutKind { kCrease, kDefaultLength, kRegionEnd };

// A finger found in the slap, before its position is known.
struct FingerFound {
  RotatedBox box;
  CutKind cut = CutKind::kRegionEnd;
  double mass = 0;        // mask cells of its region
  bool own_axis = false;  // its angle came from its own shape or phalanx, not from the hand's
};

// The lean of a finger from the hand's axis, by position (degrees, as RotatedBox): the fingers of
// a flat hand fan out (index and little lean away from the middle finger). Round values.
double FingerLeanDegrees(int position);

struct PositionAssignment {
  std::vector<int> positions;  // per finger found: FGP 1-10, or 0 when dropped
  std::vector<int> missing_positions;
  std::vector<std::string> notes;
};

// Gives each finger found its position from hand geometry: the order across the hand, the
// spacing of the fingers (a missing finger leaves a gap of one finger pitch) and the fingertip
// heights (middle highest, little lowest, index and ring between), and, for one finger alone, its
// place in the image. When more fingers are found than the slap holds, the smallest are dropped
// and a note says so. REQUIRES: fingers not empty; image_width > 0.
Result<PositionAssignment> AssignPositions(const std::vector<FingerFound>& fingers, SlapKind kind,
                                           double hand_angle_degrees, int image_width, int image_height);

}  // namespace abis::finger::internal
