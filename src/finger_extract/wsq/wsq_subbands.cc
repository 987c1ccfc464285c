#include "wsq/wsq_subbands.h"

#include <string_view>

namespace abis::finger::wsq {
namespace {

// The decomposition tree in prefix notation: 'S' = a region split into four quadrants (the next
// four items), 'L' = a subband. Written from the specification's subband figure: the
// low-frequency corner is split five times, the two mixed quadrants of the second level four
// times (16 subbands each), the first-level detail quadrants once.
//   node 15 = S (S LLLL) L L L                  -> subbands 0-6
//   node 14 = S node15 (S LLLL) (S LLLL) (S LLLL) -> subbands 0-18
//   node 4, node 5 = S (S LLLL) x4               -> subbands 19-34, 35-50
//   node 1 = S node14 node4 node5 L              -> subband 51 is its diagonal quadrant
//   root   = S node1 (S LLLL) (S LLLL) (S LLLL)  -> subbands 52-55, 56-59, 60-63
constexpr std::string_view kTree =
    "S"
    "S"
    "S" "S" "SLLLL" "LLL" "SLLLL" "SLLLL" "SLLLL"
    "S" "SLLLL" "SLLLL" "SLLLL" "SLLLL"
    "S" "SLLLL" "SLLLL" "SLLLL" "SLLLL"
    "L"
    "SLLLL" "SLLLL" "SLLLL";

// First part of a split of `length` samples: the low-pass part (ceil) normally, the high-pass
// part (floor) when the split is inverted.
int FirstPart(int length, bool inverted) { return inverted ? length / 2 : (length + 1) / 2; }

void Build(std::size_t& cursor, Region region, bool inverted_x, bool inverted_y, int& next_subband,
           SubbandLayout& layout) {
  char item = kTree[cursor++];
  if (item == 'L') {
    layout.subbands[next_subband++] = region;
    return;
  }
  int left = FirstPart(region.width, inverted_x);
  int top = FirstPart(region.height, inverted_y);
  Region quadrants[4] = {
      {region.x, region.y, left, top},
      {region.x + left, region.y, region.width - left, top},
      {region.x, region.y + top, left, region.height - top},
      {region.x + left, region.y + top, region.width - left, region.height - top},
  };
  for (int q = 0; q < 4; ++q) {
    Build(cursor, quadrants[q], /*inverted_x=*/(q & 1) != 0, /*inverted_y=*/(q & 2) != 0, next_subband,
          layout);
  }
  layout.splits.push_back({region, inverted_x, inverted_y});
}

}  // namespace

SubbandLayout BuildSubbandLayout(int width, int height) {
  SubbandLayout layout;
  std::size_t cursor = 0;
  int next_subband = 0;
  Build(cursor, {0, 0, width, height}, false, false, next_subband, layout);
  return layout;
}

}  // namespace abis::finger::wsq
