// Validation of a print-quality measure the way NIST validates NFIQ 2: the error-versus-reject
// characteristic (ERC; Grother & Tabassi, IEEE PAMI 29(4), 2007). The quality of a comparison is
// the lower of its two samples' qualities; as the quality floor rises, the genuine comparisons
// below it are set aside and the FNMR of the rest is measured at one fixed score threshold. A
// useful measure makes the FNMR fall quickly, ideally by the whole fraction rejected.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <vector>

#include "abis/core/status.h"

namespace abis::finger {

struct QualityScoredComparison {
  double score = 0;  // higher = more similar
  int quality = 0;   // min of the two samples' qualities, 0-100
};

struct ErcRow {
  int quality_floor = 0;  // comparisons of quality < floor are rejected
  double rejected = 0;    // fraction of the genuine comparisons rejected
  std::size_t kept = 0;   // genuine comparisons kept
  double fnmr = 0;        // of the kept ones, at the threshold (0 when none is kept)
};

// The lowest threshold (accept when score >= threshold) whose FMR over `impostor` is at most
// `false_match_rate`. InvalidArgument when a set is empty or the rate is outside (0, 1).
Result<double> ThresholdAtFalseMatchRate(const std::vector<double>& genuine, const std::vector<double>& impostor,
                                         double false_match_rate);

// One row per quality floor 0..101 (101 rejects everything). InvalidArgument when `genuine` is
// empty or a quality is outside 0-100.
Result<std::vector<ErcRow>> ErrorVersusReject(const std::vector<QualityScoredComparison>& genuine, double threshold);

// The FNMR a perfect quality measure would leave after rejecting `rejected` of the comparisons,
// starting from `fnmr_without_rejection`: max(0, fnmr - rejected) / (1 - rejected).
double IdealFnmrAfterRejecting(double fnmr_without_rejection, double rejected);

}  // namespace abis::finger
