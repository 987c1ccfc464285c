// Multi-finger fusion for ten-print (or any multi-finger) records: fingers are paired by finger
// position and their calibrated log-likelihood ratios summed, treating fingers of one person as
// independent evidence (the usual product rule of LRs; sum of log-LRs). Fingers present on one
// side only contribute nothing. Thread-safety: pure functions of the engine's const methods.
#pragma once

#include <vector>

#include "abis/core/modality.h"
#include "abis/core/status.h"
#include "abis/modality/engine.h"

namespace abis::finger {

struct FingerEvidence {
  FingerPosition position = FingerPosition::kUnknown;
  double score = 0;
  double log_lr = 0;
};

struct TenprintComparison {
  double log_lr = 0;  // sum of the per-finger log-LRs
  std::vector<FingerEvidence> fingers;  // one per position compared
};

// Sums the log-LRs of `fingers`.
double FuseFingerLogLikelihoodRatios(const std::vector<FingerEvidence>& fingers);

// Compares every probe finger with the reference finger of the same known position (each
// position at most once per side; kInvalidArgument on duplicates or unknown positions).
Result<TenprintComparison> CompareTenprints(const ModalityEngine& engine, const std::vector<BiometricTemplate>& probe,
                                            const std::vector<BiometricTemplate>& reference);

}  // namespace abis::finger
