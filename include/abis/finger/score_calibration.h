// Calibration of the finger-mcc/1 score: a log-likelihood ratio for fusion and a threshold for a
// target false-match rate. Both come from distributions measured on the ISO templates of
// FVC2002 DB1_B-DB4_B (see docs/FINGER.md for the exact commands): the impostor set is every
// pair of impressions of different fingers (4 x 2,800 + across-database pairs); the genuine set is
// every pair of impressions of the same finger (1,120). Thread-safety: pure functions.
#pragma once

#include "abis/core/status.h"

namespace abis::finger {

// Natural-log likelihood ratio (same finger vs different fingers) of an MCC LSS-R score, from a
// logistic fit, clamped to [-10, 10] so a single finger never dominates a fusion alone.
double FingerScoreToLogLikelihoodRatio(double score);

// The lowest score whose measured impostor false-match rate is <= `false_match_rate`.
// kInvalidArgument outside (0, 1); kFailedPrecondition when the rate is below what the measured
// impostor set can estimate (1 / its size).
Result<double> FingerThresholdForFalseMatchRate(double false_match_rate);

}  // namespace abis::finger
