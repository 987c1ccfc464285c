#include "abis/finger/quality_evaluation.h"

#include <algorithm>
#include <string>

#include "abis/core/evaluation_plots.h"

namespace abis::finger {

Result<double> ThresholdAtFalseMatchRate(const std::vector<double>& genuine, const std::vector<double>& impostor,
                                         double false_match_rate) {
  if (genuine.empty() || impostor.empty()) {
    return Status::InvalidArgument("threshold at an FMR needs genuine and impostor scores");
  }
  if (!(false_match_rate > 0 && false_match_rate < 1)) {
    return Status::InvalidArgument("false match rate " + std::to_string(false_match_rate) + " outside (0, 1)");
  }
  for (const ScoreOperatingPoint& point : OperatingPointsOfScores(genuine, impostor)) {
    if (point.fmr <= false_match_rate) return point.threshold;
  }
  return Status::Internal("no operating point reaches FMR 0");  // the last point always does
}

Result<std::vector<ErcRow>> ErrorVersusReject(const std::vector<QualityScoredComparison>& genuine, double threshold) {
  if (genuine.empty()) return Status::InvalidArgument("error-versus-reject needs genuine comparisons");
  // Per quality: how many comparisons, and how many of them are false non-matches.
  std::vector<std::size_t> count(101, 0), misses(101, 0);
  for (const QualityScoredComparison& comparison : genuine) {
    if (comparison.quality < 0 || comparison.quality > 100) {
      return Status::InvalidArgument("comparison quality " + std::to_string(comparison.quality) + " outside 0-100");
    }
    ++count[static_cast<std::size_t>(comparison.quality)];
    if (comparison.score < threshold) ++misses[static_cast<std::size_t>(comparison.quality)];
  }
  std::size_t kept = genuine.size(), kept_misses = 0;
  for (const std::size_t m : misses) kept_misses += m;
  std::vector<ErcRow> rows;
  for (int floor = 0; floor <= 101; ++floor) {
    if (floor > 0) {
      kept -= count[static_cast<std::size_t>(floor - 1)];
      kept_misses -= misses[static_cast<std::size_t>(floor - 1)];
    }
    ErcRow row;
    row.quality_floor = floor;
    row.kept = kept;
    row.rejected = 1.0 - static_cast<double>(kept) / static_cast<double>(genuine.size());
    row.fnmr = kept > 0 ? static_cast<double>(kept_misses) / static_cast<double>(kept) : 0.0;
    rows.push_back(row);
  }
  return rows;
}

double IdealFnmrAfterRejecting(double fnmr_without_rejection, double rejected) {
  if (rejected >= 1) return 0;
  return std::max(0.0, fnmr_without_rejection - rejected) / (1 - rejected);
}

}  // namespace abis::finger
