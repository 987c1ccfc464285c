// Calibration tables measured with finger-mcc/1 on the ISO templates of FVC2002 DB1_B-DB4_B
// (320 impressions: 1,120 genuine pairs, 49,920 impostor pairs = every pair of impressions of
// different fingers, within and across databases). Regenerate with bench/finger/calibrate_finger
// whenever the matcher changes (the algorithm id must change with it).
#include "abis/finger/score_calibration.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

namespace abis::finger {
namespace {

// Logistic regression of same-finger vs different-finger on the score, classes weighted equally.
constexpr double kLogisticIntercept = -13.268221;
constexpr double kLogisticSlope = 685.132175;
constexpr double kMaxAbsLogLikelihoodRatio = 10;

constexpr std::size_t kImpostorComparisons = 49920;

struct FmrThreshold {
  double false_match_rate;
  double threshold;  // lowest score with measured FMR <= false_match_rate
};
// Measured FNMR at each threshold (same data): 1.2%, 2.5%, 4.4%, 8.1%, 10.5%, 13.6%, 16.5%, 17.2%, 19.2%.
constexpr std::array<FmrThreshold, 9> kThresholds = {{
    {0.1, 0.015654},
    {0.03, 0.017817},
    {0.01, 0.020023},
    {0.003, 0.023441},
    {0.001, 0.027454},
    {0.0003, 0.032291},
    {0.0001, 0.037601},
    {0.00005, 0.039391},
    {0.00002, 0.042756},
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
