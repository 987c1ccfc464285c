// Calibration of the finger-mcc/1 score: a log-likelihood ratio for fusion and a threshold for a
// target false-match rate. Both come from distributions measured on FVC2002 DB1_B-DB4_B with
// our extractor's templates and the supplied ISO templates (see docs/FINGER.md for the exact
// commands): per source, the impostor set is every pair of impressions of different fingers
// (49,920), the genuine set every pair of impressions of the same finger (1,120); a threshold is
// the stricter of the two sources'. Thread-safety: pure functions.
#pragma once

#include "abis/core/status.h"

namespace abis::finger {

// Natural-log likelihood ratio (same finger vs different fingers) of a finger-mcc/1 score, from a
// logistic fit, clamped to [-10, 10] so a single finger never dominates a fusion alone.
double FingerScoreToLogLikelihoodRatio(double score);

// The lowest score whose measured impostor false-match rate is <= `false_match_rate`.
// kInvalidArgument outside (0, 1); kFailedPrecondition when the rate is below what the measured
// impostor set can estimate (1 / its size).
Result<double> FingerThresholdForFalseMatchRate(double false_match_rate);

}  // namespace abis::finger
