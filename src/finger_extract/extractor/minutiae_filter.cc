// Removal of false minutiae, each rule a structural artefact of noisy ridges (Maltoni et al.,
// Handbook of Fingerprint Recognition, 3.8; Ratha et al. 1995):
//   border: the mask edge cuts ridges into false endings;
//   duplicate: neighbouring skeleton pixels of one bifurcation;
//   spur: a short branch off a ridge (ending linked to a bifurcation by a short path);
//   short ridge: a ridge fragment whose two endings are close along the skeleton;
//   bridge: two bifurcations linked by a short ridge across a valley;
//   broken ridge: two endings facing each other across a small gap;
//   cluster: many minutiae in a small area, typical of scars and noise.
// The length limits of the structural rules (spur, short ridge, bridge, broken ridge) are set for
// the typical ridge period and scale with the local one: these artefacts are as long as the
// ridges are far apart (the Handbook, 3.8, and Tico & Kuosmanen, "An algorithm for fingerprint
// image postprocessing", Asilomar 2000, state them in inter-ridge distances). With fixed pixel
// limits, wide-ridged fingers kept their spurs and bridges while fine-ridged ones lost true
// minutiae (FVC2002 B: mean EER 3.54 -> 3.22 %, see docs/EXTRACTOR.md).
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include <opencv2/imgproc.hpp>

#include "extractor/skeleton_trace.h"
#include "extractor/stages.h"

namespace abis::finger::extractor {
namespace {

constexpr double kMinBorderDistance = 14.0;
constexpr double kDuplicateDistance = 3.0;
constexpr int kSpurLength = 12;
constexpr int kShortRidgeLength = 18;
constexpr int kBridgeLength = 14;
constexpr double kBrokenRidgeGap = 16.0;
constexpr double kClusterRadius = 12.0;
constexpr int kClusterSize = 3;  // other minutiae within the radius
// The limits above hold at kDefaultWavelength; elsewhere they scale by local / default
// wavelength, kept within these bounds (the wavelength estimate is noisiest at its extremes).
constexpr double kMinLengthScale = 0.7;
constexpr double kMaxLengthScale = 1.5;

double AngleDifference(double a, double b) {
  double d = std::fmod(std::abs(a - b), 2 * M_PI);
  return d > M_PI ? 2 * M_PI - d : d;
}

}  // namespace

void RemoveFalseMinutiae(std::vector<Candidate>& candidates, const cv::Mat& skeleton, const cv::Mat& mask,
                         const cv::Mat& wavelength_blocks) {
  // Length scale at a candidate: local wavelength / default wavelength.
  auto length_scale = [&](const Candidate& c) {
    if (wavelength_blocks.empty()) return 1.0;
    const int bx = std::min(c.x / kBlockSize, wavelength_blocks.cols - 1);
    const int by = std::min(c.y / kBlockSize, wavelength_blocks.rows - 1);
    return std::clamp(wavelength_blocks.at<float>(by, bx) / kDefaultWavelength, kMinLengthScale, kMaxLengthScale);
  };
  cv::Mat border_distance = DistanceToMaskBorder(mask);
  std::unordered_map<long, std::size_t> at_pixel;
  auto key = [&](cv::Point p) { return static_cast<long>(p.y) * skeleton.cols + p.x; };
  for (std::size_t i = 0; i < candidates.size(); ++i) at_pixel[key({candidates[i].x, candidates[i].y})] = i;
  std::vector<bool> remove(candidates.size(), false);

  for (std::size_t i = 0; i < candidates.size(); ++i) {
    Candidate& c = candidates[i];
    if (border_distance.at<float>(c.y, c.x) < kMinBorderDistance) remove[i] = true;
    for (std::size_t j = i + 1; j < candidates.size(); ++j) {
      const Candidate& d = candidates[j];
      if (c.type == d.type && std::hypot(c.x - d.x, c.y - d.y) <= kDuplicateDistance) remove[j] = true;
    }
  }
  // Structural rules along the skeleton.
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    cv::Point point(c.x, c.y);
    const double scale = length_scale(c);
    const int max_steps =
        static_cast<int>(std::lround(scale * (c.type == MinutiaType::kEnding ? kShortRidgeLength : kBridgeLength)));
    for (const cv::Point& neighbour : SkeletonNeighbours(skeleton, point)) {
      Trace trace = TraceRidge(skeleton, point, neighbour, max_steps);
      if (trace.end != TraceEnd::kEnding && trace.end != TraceEnd::kBifurcation) continue;
      int length = static_cast<int>(trace.path.size());
      // The traced end may be a pixel next to the recorded minutia; look around it.
      std::size_t other = candidates.size();
      for (int dy = -1; dy <= 1 && other == candidates.size(); ++dy) {
        for (int dx = -1; dx <= 1 && other == candidates.size(); ++dx) {
          auto found = at_pixel.find(key(trace.path.back() + cv::Point(dx, dy)));
          if (found != at_pixel.end() && found->second != i) other = found->second;
        }
      }
      if (other == candidates.size()) continue;
      const Candidate& d = candidates[other];
      const bool from_ending = c.type == MinutiaType::kEnding;
      bool spur = from_ending && d.type == MinutiaType::kBifurcation && length <= scale * kSpurLength;
      bool short_ridge = from_ending && d.type == MinutiaType::kEnding && length <= scale * kShortRidgeLength;
      bool bridge = c.type == MinutiaType::kBifurcation && d.type == MinutiaType::kBifurcation &&
                    length <= scale * kBridgeLength;
      if (spur || short_ridge || bridge) remove[i] = remove[other] = true;
    }
  }
  // Broken ridges: two endings facing each other (directions about opposite, the gap along them).
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    for (std::size_t j = i + 1; j < candidates.size(); ++j) {
      const Candidate& a = candidates[i];
      const Candidate& b = candidates[j];
      if (a.type != MinutiaType::kEnding || b.type != MinutiaType::kEnding) continue;
      double gap = std::hypot(a.x - b.x, a.y - b.y);
      if (gap > length_scale(a) * kBrokenRidgeGap || gap < 1) continue;
      if (AngleDifference(a.angle, b.angle) < 0.75 * M_PI) continue;
      double gap_angle = std::atan2(-(b.y - a.y), b.x - a.x);  // ISO convention, from a to b
      // a's ridge runs away from b: the direction from a to b is opposite to a's angle.
      if (AngleDifference(gap_angle, a.angle + M_PI) < M_PI / 4) remove[i] = remove[j] = true;
    }
  }
  // Clusters among the survivors.
  std::vector<bool> clustered(candidates.size(), false);
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (remove[i]) continue;
    int neighbours = 0;
    for (std::size_t j = 0; j < candidates.size(); ++j) {
      if (j != i && !remove[j] &&
          std::hypot(candidates[i].x - candidates[j].x, candidates[i].y - candidates[j].y) <= kClusterRadius) {
        ++neighbours;
      }
    }
    if (neighbours >= kClusterSize) clustered[i] = true;
  }
  for (std::size_t i = 0; i < candidates.size(); ++i) candidates[i].removed = remove[i] || clustered[i];
}

}  // namespace abis::finger::extractor
