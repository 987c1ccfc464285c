// The MCC hot loop: local similarities of every cylinder pair of two templates, by popcount over
// the 20-word bit vectors. Internal to src/finger/; benchmarked in bench/finger/.
#pragma once

#include <vector>

#include "abis/finger/mcc.h"

namespace abis::finger::internal {

// Fills `similarity` (resized to a.size() * b.size(), row-major: a's cylinder i, b's cylinder j)
// with the bit-variant local similarity
//   lambda = 1 - sqrt(|a xor b|) / (sqrt(|a|) + sqrt(|b|))   over the cells valid in both,
// and 0 where the directions differ by more than delta_theta or fewer than minME cells are
// valid in both. Uses the POPCNT instruction when the CPU has it (checked at run time).
void ComputeLocalSimilarities(const MccTemplate& a, const MccTemplate& b, const MccParameters& parameters,
                              std::vector<float>& similarity);

}  // namespace abis::finger::internal
