// Calibration tables measured with finger-mcc/1 on FVC2002 DB1_B-DB4_B, templates from both our
// extractor and the supplied ISO records (2 x 320 impressions; pairs within one template source:
// 2 x 1,120 genuine pairs, 2 x 49,920 impostor pairs = every pair of impressions of different
// fingers, within and across databases). Each threshold is the stricter of the two sources', so
// the target FMR holds for either; the log-LR fit pools both. Regenerate with
// bench/finger/calibrate_finger whenever the matcher or the extractor changes (docs/FINGER.md).
// Why the algorithm id (finger-mcc/1) stays when the score function changes: it names the
// template (minutiae, docs/TEMPLATE_FORMAT.md); format version 2 added the orientation map, and
// version-1 templates are still read and compared (without a map the score is the minutiae
// score, on the same scale); thresholds are looked up by target FMR at run time and never
// stored, and every audited decision records its score together with the threshold it was held
// against.
#include "abis/finger/score_calibration.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

namespace abis::finger {
namespace {

// Logistic regression of same-finger vs different-finger on the score, classes weighted equally.
constexpr double kLogisticIntercept = -9.657083;
constexpr double kLogisticSlope = 120.152232;
constexpr double kMaxAbsLogLikelihoodRatio = 10;

constexpr std::size_t kImpostorComparisons = 49920;

struct FmrThreshold {
  double false_match_rate;
  double threshold;  // lowest score with measured FMR <= false_match_rate
};
// Measured FNMR (%) at each threshold, own templates (one print of 320 refused: DB3_B/110_3, its
// pairs left out): 0.9, 1.4, 1.7, 2.4, 3.6, 5.0, 5.8, 6.5, 10.2;
// ISO templates: 0.8, 1.3, 1.8, 2.6, 3.1, 4.0, 4.6, 5.1, 8.8.
constexpr std::array<FmrThreshold, 9> kThresholds = {{
    {0.1, 0.058830},
    {0.03, 0.068675},
    {0.01, 0.077549},
    {0.003, 0.086399},
    {0.001, 0.096320},
    {0.0003, 0.109178},
    {0.0001, 0.119389},
    {5e-05, 0.124809},
    {2e-05, 0.154604},
}};

}  // namespace

double FingerScoreToLogLikelihoodRatio(double score) {
  const double log_lr = kLogisticIntercept + kLogisticSlope * score;
  return std::clamp(log_lr, -kMaxAbsLogLikelihoodRatio, kMaxAbsLogLikelihoodRatio);
}

Result<double> FingerThresholdForFalseMatchRate(double false_match_rate) {
  if (!(false_match_rate > 0 && false_match_rate < 1)) {
    return Status::InvalidArgument("false match rate " + std::to_string(false_match_rate) + " is not in (0, 1)");
  }
  if (false_match_rate < kThresholds.back().false_match_rate) {
    return Status::FailedPrecondition("false match rate " + std::to_string(false_match_rate) +
                                      " is below what the measured impostor set (" +
                                      std::to_string(kImpostorComparisons) + " comparisons) can estimate; the "
                                      "lowest supported is " + std::to_string(kThresholds.back().false_match_rate));
  }
  if (false_match_rate >= kThresholds.front().false_match_rate) return kThresholds.front().threshold;
  // Interpolate log(FMR) between the measured points (threshold falls as the FMR rises).
  for (std::size_t i = 1; i < kThresholds.size(); ++i) {
    const FmrThreshold& higher = kThresholds[i - 1];
    const FmrThreshold& lower = kThresholds[i];
    if (false_match_rate >= lower.false_match_rate) {
      const double t = (std::log(false_match_rate) - std::log(lower.false_match_rate)) /
                       (std::log(higher.false_match_rate) - std::log(lower.false_match_rate));
      return lower.threshold + t * (higher.threshold - lower.threshold);
    }
  }
  return kThresholds.back().threshold;
}

}  // namespace abis::finger
