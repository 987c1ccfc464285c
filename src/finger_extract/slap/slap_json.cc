#include <cmath>

#include "abis/finger_extract/slap_segmentation.h"

namespace abis::finger {

namespace {

double Round1(double v) { return std::round(v * 10) / 10; }

}  // namespace

nlohmann::json SlapSegmentationJson(const SlapSegmentation& segmentation) {
  nlohmann::json segments = nlohmann::json::array();
  for (const SlapSegment& segment : segmentation.segments) {
    nlohmann::json corners = nlohmann::json::array();
    for (const auto& corner : segment.box.Corners()) corners.push_back({Round1(corner[0]), Round1(corner[1])});
    nlohmann::json item = {{"position", segment.position},
                           {"centre_x", Round1(segment.box.centre_x)},
                           {"centre_y", Round1(segment.box.centre_y)},
                           {"width", Round1(segment.box.width)},
                           {"height", Round1(segment.box.height)},
                           {"angle_degrees", Round1(segment.box.angle_degrees)},
                           {"corners", corners}};
    if (segment.quality >= 0) item["quality"] = segment.quality;
    if (!segment.quality_problem.empty()) item["quality_problem"] = segment.quality_problem;
    segments.push_back(item);
  }
  return {{"slap", std::string(SlapKindName(segmentation.kind))},
          {"fgp", SlapKindFingerPosition(segmentation.kind)},
          {"hand_angle_degrees", Round1(segmentation.hand_angle_degrees)},
          {"segments", segments},
          {"missing_positions", segmentation.missing_positions},
          {"fingers_found", segmentation.fingers_found},
          {"notes", segmentation.notes}};
}

}  // namespace abis::finger
