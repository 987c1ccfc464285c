// Calibration tables measured with finger-mcc/1 on FVC2002 DB1_B-DB4_B, templates from both our
// extractor and the supplied ISO records (2 x 320 impressions; pairs within one template source:
// 2,240 genuine pairs, 99,840 impostor pairs = every pair of impressions of different fingers,
// within and across databases). Regenerate with bench/finger/calibrate_finger whenever the
// matcher or the extractor changes (docs/FINGER.md). Thresholds are looked up by target FMR at
// run time, never stored, so a regenerated table applies to templates already enrolled.
#include "abis/finger/score_calibration.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

namespace abis::finger {
namespace {

// Logistic regression of same-finger vs different-finger on the score, classes weighted equally.
constexpr double kLogisticIntercept = -11.132208;
constexpr double kLogisticSlope = 159.698060;
constexpr double kMaxAbsLogLikelihoodRatio = 10;

constexpr std::size_t kImpostorComparisons = 99840;

struct FmrThreshold {
  double false_match_rate;
  double threshold;  // lowest score with measured FMR <= false_match_rate
};
// Measured FNMR at each threshold (same data): 1.5%, 2.3%, 3.4%, 4.7%, 5.9%, 7.8%, 9.2%, 10.5%, 12.0%.
constexpr std::array<FmrThreshold, 9> kThresholds = {{
    {0.1, 0.054296},
    {0.03, 0.062132},
    {0.01, 0.069066},
    {0.003, 0.076890},
    {0.001, 0.084200},
    {0.0003, 0.093547},
    {0.0001, 0.102221},
    {5e-05, 0.106209},
    {2e-05, 0.112167},
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
