// Verification error rates from genuine and impostor score sets, as reported by the Fingerprint
// Verification Competitions (Maio et al., FVC2002): EER, FMR100, FMR1000, ZeroFMR, and a DET
// curve (FNMR against FMR, normal-deviate axes) and score histograms drawn as SVG. Higher scores mean more similar; a
// comparison is accepted when its score is >= the threshold. Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "abis/core/status.h"

namespace abis::finger {

struct ScoreSets {
  std::vector<double> genuine;
  std::vector<double> impostor;
};

struct ErrorRates {
  double eer = 0;       // equal error rate (FVC estimate between the two crossing thresholds)
  double fmr100 = 0;    // lowest FNMR with FMR <= 1%
  double fmr1000 = 0;   // lowest FNMR with FMR <= 0.1%
  double zero_fmr = 0;  // lowest FNMR with FMR = 0
  double eer_threshold = 0;
};

// REQUIRES: both sets non-empty (else all rates are 1).
ErrorRates ComputeErrorRates(const ScoreSets& scores);

// FNMR at the lowest threshold whose FMR <= `max_fmr`.
double FnmrAtFmr(const ScoreSets& scores, double max_fmr);

// A self-contained SVG document with the DET curve of each named score set, on NIST's
// normal-deviate axes with the EER marked (abis/core/evaluation_plots.h). InvalidArgument for no
// sets, an empty set or a NaN score.
Result<std::string> RenderDetPlotSvg(const std::vector<std::pair<std::string, ScoreSets>>& curves,
                                     const std::string& title);

// A self-contained SVG document with the genuine and impostor score histograms. InvalidArgument
// when both sets are empty or a score is not finite.
Result<std::string> RenderScoreHistogramPlotSvg(const ScoreSets& scores, const std::string& title);

}  // namespace abis::finger
