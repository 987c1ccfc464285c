// Consolidation of an MCC comparison under one global alignment. LSS-R (mcc_matcher.cc) scores
// the few best relaxed cylinder pairs and says nothing of the rest of the common area; this step
// asks how much of that area agrees. Each of the best relaxed pairs in turn serves as anchor: the
// probe is rotated and translated so that the anchor's minutiae coincide, every two cylinders
// whose centres then lie within a distance tolerance (growing with the two minutiae's mean
// distance from their anchors, for skin distortion, and so the same whichever template is the
// probe) and whose directions agree are paired one-to-one (greedy, by local similarity and
// closeness; only cylinders with a positive local similarity), and the paired local similarities
// are summed. The sum is normalised by the geometric mean of the numbers of cylinders of each
// template that lie in the other's area under the alignment, so a partial impression is judged by
// its overlap, not by its size. The other's area is where its orientation map has a direction
// when both templates have maps (orientation_agreement.h: the clear fingerprint area itself),
// else the convex hull of its cylinders plus a margin. The pairing tolerance reaches further
// than that area (distortion moves minutiae across its edge too), so the sum can exceed the
// overlap on small overlaps; the score is clamped to 1. Each alignment is also scored by the
// agreement of the orientation maps under it. Internal to src/finger/.
// Thread-safety: pure function.
#pragma once

#include <span>
#include <utility>
#include <vector>

#include "abis/finger/mcc.h"
#include "orientation_agreement.h"

namespace abis::finger::internal {

struct AlignedConsolidation {
  double score = 0;              // 0-1: summed similarity / sqrt(overlap_probe * overlap_reference)
  int paired = 0;                // cylinder pairs that agree under the best alignment
  int overlap_probe = 0;         // probe cylinders inside the reference's hull
  int overlap_reference = 0;     // reference cylinders inside the probe's hull
  RigidAlignment alignment;      // the winning anchor's
  OrientationAgreement orientation;  // of the two orientation maps under it
  double orientation_factor = 1;     // OrientationFactor of `orientation`
};

// `similarity` is the local-similarity matrix of ComputeLocalSimilarities (probe rows, reference
// columns); `anchors` are (probe cylinder, reference cylinder) pairs, best first; at most
// parameters.consolidation_anchors of them are tried. When both templates have orientation maps
// the alignment whose score times orientation factor is highest wins; otherwise the one pairing
// the most cylinders, then scoring highest (the first on ties). Empty templates or no anchor give a zero result.
// REQUIRES: similarity.size() == probe.size() * reference.size() (when both are non-empty);
// anchor indices within the templates.
AlignedConsolidation ConsolidateUnderAlignment(const MccTemplate& probe, const MccTemplate& reference,
                                               const std::vector<float>& similarity,
                                               std::span<const std::pair<int, int>> anchors,
                                               const MccParameters& parameters);

}  // namespace abis::finger::internal
