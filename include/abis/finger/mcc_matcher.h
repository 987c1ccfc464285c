// MCC global similarity with Local Similarity Sort and Relaxation (LSS-R), Cappelli, Ferrara and
// Maltoni, IEEE TPAMI 2010, section 5: the n_R = min(n_A, n_B) best cylinder pairs (one-to-one,
// greedy by local similarity) are relaxed n_rel times by their geometric compatibility with the
// other pairs (distances, direction differences, radial angles); the n_P pairs whose similarity
// survived relaxation best (highest efficiency) are averaged. Ours on top: the best relaxed pairs
// anchor a global alignment under which all cylinders are paired and the agreement is normalised
// by the overlap (mcc_consolidation.h); the score is the geometric mean of the LSS-R score and
// that consolidation score (on FVC2002 B it lowered the EER by about a quarter on both our own
// and commercial templates), times a factor for how well the two ridge-orientation maps agree
// under that alignment (orientation_agreement.h; templates without a map get the factor 1); the
// maps also define the consolidation's overlap. Together they lowered the pooled EER on our own
// templates from 3.2 to 1.8 % (docs/FINGER.md).
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
  // 0 (nothing in common) to 1 (identical): sqrt(lss_r_score * aligned_score) times the
  // orientation factor (mcc.h; 1 when a template has no orientation map), clamped to 1
  double score = 0;
  std::vector<MatchedMinutiaPair> pairs;  // the n_P pairs LSS-R averages
  double lss_r_score = 0;   // the paper's LSS-R global score
  double aligned_score = 0; // agreement under the best anchor's alignment, over the overlap
  int aligned_pairs = 0;    // cylinder pairs that agree under that alignment
  bool orientation_compared = false;  // both maps usable and overlapping (orientation_agreement.h)
  double orientation_agreement = 0;   // -1 to 1: orientation maps under that alignment
  int orientation_cells = 0;          // cells compared (0 when a template has no map)
};

// Compares two cylinder sets. Either one empty gives score 0. Symmetric up to float rounding.
MccComparison CompareMcc(const MccTemplate& probe, const MccTemplate& reference,
                         const MccParameters& parameters = {});

// The number of pairs n_P averaged for templates of n_A and n_B valid cylinders (paper eq. 23).
int MccPairCount(int probe_cylinders, int reference_cylinders, const MccParameters& parameters = {});

}  // namespace abis::finger
