// MCC global similarity with Local Similarity Sort and Relaxation (LSS-R), Cappelli, Ferrara and
// Maltoni, IEEE TPAMI 2010, section 5: the n_R = min(n_A, n_B) best cylinder pairs (one-to-one,
// greedy by local similarity) are relaxed n_rel times by their geometric compatibility with the
// other pairs (distances, direction differences, radial angles); the n_P pairs whose similarity
// survived relaxation best (highest efficiency) are averaged.
// Thread-safety: pure functions.
#pragma once

#include <vector>

#include "abis/finger/mcc.h"

namespace abis::finger {

// A matched minutiae pair: indices into the probe's and the reference's MinutiaeTemplate.
struct MatchedMinutiaPair {
  int probe_minutia = 0;
  int reference_minutia = 0;
  double similarity = 0;  // relaxed local similarity, 0-1
};

struct MccComparison {
  double score = 0;  // 0 (nothing in common) to 1 (identical)
  std::vector<MatchedMinutiaPair> pairs;  // the n_P pairs the score averages
};

// Compares two cylinder sets. Either one empty gives score 0. Symmetric up to float rounding.
MccComparison CompareMcc(const MccTemplate& probe, const MccTemplate& reference,
                         const MccParameters& parameters = {});

// The number of pairs n_P averaged for templates of n_A and n_B valid cylinders (paper eq. 23).
int MccPairCount(int probe_cylinders, int reference_cylinders, const MccParameters& parameters = {});

}  // namespace abis::finger
