// The WSQ subband layout (IAFIS-IC-0110 Part 1, the 64-subband decomposition figure): the image
// is split recursively into quadrants by 2-D analysis steps; the leaves are the 64 subbands,
// numbered in depth-first order (top-left, top-right, bottom-left, bottom-right). Subbands
// 60-63 (the highest-frequency quadrant) are never transmitted.
#pragma once

#include <array>
#include <vector>

namespace abis::finger::wsq {

inline constexpr int kSubbandCount = 64;
inline constexpr int kTransmittedSubbands = 60;

struct Region {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
};

// One 2-D analysis step, to be undone by the decoder. A quadrant that is the right (bottom)
// child of its parent holds high-pass content in x (y); it is split with its parts swapped:
// high-pass first, then low-pass ("inverted" in that direction).
struct SplitStep {
  Region region;
  bool inverted_x = false;
  bool inverted_y = false;
};

struct SubbandLayout {
  std::array<Region, kSubbandCount> subbands;
  std::vector<SplitStep> splits;  // deepest first: the order in which synthesis undoes them
};

// REQUIRES: width, height >= 1.
SubbandLayout BuildSubbandLayout(int width, int height);

}  // namespace abis::finger::wsq
