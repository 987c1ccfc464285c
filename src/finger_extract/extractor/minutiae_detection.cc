// Minutiae detection on the skeleton by crossing number (Arcelli & Baja; Maltoni et al.,
// Handbook of Fingerprint Recognition, 3.7). Directions follow ISO/IEC 19794-2: an ending
// points along its ridge away from the tip, a bifurcation along the valley between its two
// branches; both measured counter-clockwise with the y axis pointing up.
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "extractor/skeleton_trace.h"
#include "extractor/stages.h"

namespace abis::finger::extractor {
namespace {

constexpr int kDirectionTraceSteps = 10;  // pixels traced to measure a ridge's direction
constexpr double kQualityBorderDistance = 32.0;
// Below this orientation coherence the ridge flow is too confused (scars, smudges, printed text
// on cards) for a crossing-number minutia to be trusted.
constexpr float kMinCoherence = 0.15f;
constexpr double kMaxDirectionCorrection = M_PI / 4;

cv::Point2d UnitVector(cv::Point from, cv::Point to) {
  cv::Point2d v(to.x - from.x, to.y - from.y);
  double length = std::hypot(v.x, v.y);
  return length > 0 ? v / length : cv::Point2d(0, 0);
}

// ISO angle (counter-clockwise, y up) of an image-coordinate vector (y down).
// Always in [0, 2*pi): -0.0 becomes 0, and a tiny negative angle that would round to 2*pi
// becomes 0.
double IsoAngle(cv::Point2d v) {
  double angle = std::atan2(-v.y, v.x) + 0.0;
  if (angle < 0) angle += 2 * M_PI;
  return angle >= 2 * M_PI ? 0.0 : angle;
}

// The traced direction, a few skeleton pixels long, is quantised and bent by the skeleton's
// wiggles; the orientation field, smoothed over a neighbourhood, is far more precise but has no
// sense (it is defined modulo pi). The minutia takes the field's orientation with the sense of the
// traced direction, unless the two disagree by more than kMaxDirectionCorrection (near cores and
// deltas the field is unreliable, and there the trace is kept).
double RefineWithOrientation(cv::Point2d traced, float field_angle) {
  const cv::Point2d along(std::cos(field_angle), std::sin(field_angle));
  const cv::Point2d oriented = traced.dot(along) >= 0 ? along : -along;
  if (traced.dot(oriented) < std::cos(kMaxDirectionCorrection) * std::hypot(traced.x, traced.y)) return IsoAngle(traced);
  return IsoAngle(oriented);
}

}  // namespace

std::vector<Candidate> DetectMinutiae(const cv::Mat& skeleton, const OrientationField& orientation, const cv::Mat& mask) {
  cv::Mat border_distance = DistanceToMaskBorder(mask);
  std::vector<Candidate> candidates;
  for (int y = 1; y < skeleton.rows - 1; ++y) {
    for (int x = 1; x < skeleton.cols - 1; ++x) {
      if (skeleton.at<std::uint8_t>(y, x) == 0) continue;
      int crossing = CrossingNumber(skeleton, x, y);
      if (crossing != 1 && crossing != 3) continue;
      if (orientation.coherence.at<float>(y, x) < kMinCoherence) continue;
      cv::Point point(x, y);
      std::vector<cv::Point2d> branches;
      for (const cv::Point& neighbour : SkeletonNeighbours(skeleton, point)) {
        Trace trace = TraceRidge(skeleton, point, neighbour, kDirectionTraceSteps);
        if (trace.path.size() >= 3) branches.push_back(UnitVector(point, trace.path.back()));
      }
      Candidate candidate;
      candidate.x = x;
      candidate.y = y;
      if (crossing == 1) {
        if (branches.empty()) continue;
        candidate.type = MinutiaType::kEnding;
        candidate.angle = RefineWithOrientation(branches[0], orientation.angle.at<float>(y, x));
      } else {
        if (branches.size() < 3) continue;
        // The two branches closest in direction form the fork; the minutia points between them.
        double best = -2;
        cv::Point2d fork;
        for (std::size_t i = 0; i < branches.size(); ++i) {
          for (std::size_t j = i + 1; j < branches.size(); ++j) {
            double agreement = branches[i].dot(branches[j]);
            if (agreement > best) {
              best = agreement;
              fork = branches[i] + branches[j];
            }
          }
        }
        candidate.type = MinutiaType::kBifurcation;
        candidate.angle = RefineWithOrientation(fork, orientation.angle.at<float>(y, x));
      }
      double coherence = orientation.coherence.at<float>(y, x);
      double border = std::min(1.0, border_distance.at<float>(y, x) / kQualityBorderDistance);
      candidate.quality = std::clamp(static_cast<int>(std::lround(100 * std::min(1.0, 1.5 * coherence) * border)), 1, 100);
      candidates.push_back(candidate);
    }
  }
  return candidates;
}

}  // namespace abis::finger::extractor
