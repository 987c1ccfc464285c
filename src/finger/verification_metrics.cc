#include "abis/finger/verification_metrics.h"

#include <algorithm>
#include <cmath>

#include "abis/core/evaluation_plots.h"

namespace abis::finger {
namespace {

using OperatingPoint = ScoreOperatingPoint;

// One operating point per distinct score (accept >= threshold), plus one above every score; FMR
// falls and FNMR rises with the threshold. REQUIRES both score sets non-empty (callers check).
std::vector<OperatingPoint> OperatingPoints(const ScoreSets& scores) {
  return OperatingPointsOfScores(scores.genuine, scores.impostor);
}

}  // namespace

double FnmrAtFmr(const ScoreSets& scores, double max_fmr) {
  if (scores.genuine.empty() || scores.impostor.empty()) return 1.0;
  for (const OperatingPoint& point : OperatingPoints(scores)) {
    if (point.fmr <= max_fmr) return point.fnmr;
  }
  return 1.0;
}

ErrorRates ComputeErrorRates(const ScoreSets& scores) {
  ErrorRates rates{1, 1, 1, 1, 0};
  if (scores.genuine.empty() || scores.impostor.empty()) return rates;
  const std::vector<OperatingPoint> points = OperatingPoints(scores);
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (points[i].fnmr >= points[i].fmr) {
      const OperatingPoint& high = points[i];
      if (i == 0) {
        rates.eer = (high.fmr + high.fnmr) / 2;
        rates.eer_threshold = high.threshold;
      } else {
        const OperatingPoint& low = points[i - 1];
        const bool low_closer = low.fmr + low.fnmr <= high.fmr + high.fnmr;
        rates.eer = low_closer ? (low.fmr + low.fnmr) / 2 : (high.fmr + high.fnmr) / 2;
        rates.eer_threshold = low_closer ? low.threshold : high.threshold;
      }
      break;
    }
  }
  rates.fmr100 = FnmrAtFmr(scores, 0.01);
  rates.fmr1000 = FnmrAtFmr(scores, 0.001);
  rates.zero_fmr = FnmrAtFmr(scores, 0.0);
  return rates;
}

Result<std::string> RenderDetPlotSvg(const std::vector<std::pair<std::string, ScoreSets>>& curves,
                                     const std::string& title) {
  std::vector<DetCurve> det_curves;
  for (const auto& [name, scores] : curves) {
    ABIS_ASSIGN_OR_RETURN(std::vector<DetPoint> points, DetPointsFromScores(scores.genuine, scores.impostor, name));
    det_curves.push_back({name, std::move(points), ComputeErrorRates(scores).eer});
  }
  return RenderDetSvg(det_curves, title);
}

Result<std::string> RenderScoreHistogramPlotSvg(const ScoreSets& scores, const std::string& title) {
  HistogramOptions options;
  options.score_label = "Comparison score";
  return RenderScoreHistogramSvg(scores.genuine, scores.impostor, title, options);
}

}  // namespace abis::finger
