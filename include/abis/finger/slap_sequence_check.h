// The sequence check of a slap against the rolled prints of the same transaction: each slap
// finger is compared with every rolled finger; fingers that match other positions' rolled prints
// and not their own say the slap's positions are wrong (a finger swap within the hand, or a
// hand swap: a right slap holding the left hand). A swap enrols wrong positions for good, worse
// than a loose box, so the import reports it instead of enrolling silently.
//
// The decision is taken for the whole slap, not per finger: every score becomes a log-likelihood
// ratio (same finger vs different fingers, score_calibration.h), and the best assignment of the
// slap's fingers to the rolled positions (each finger to at most one position, each position to at
// most one finger, or to none when its rolled print is absent or unlike it) is compared with the
// best assignment that keeps every finger at its claimed position (or none). A swap is declared
// when the swapped assignment explains the scores at least kSequenceSwapMinLikelihoodRatio times
// better; the fingers it moves are the swapped ones. A lone impostor score just above a per-finger
// threshold no longer makes a swap, and two fingers that each match the other's print moderately
// add up. docs/SLAPS.md. Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "abis/minutiae/minutiae.h"

namespace abis::finger {

// How much better (likelihood ratio) the swapped assignment must explain the scores: a sequence
// error is taken as rare (prior odds 1:100 per slap, an assumption, not a measured rate),
// and a swap is declared when it is at least as likely as not, so 100. Not fitted to a database;
// 10 to 10000 measured in docs/notes/slap_sequence_check_2026-12-07.md.
inline constexpr double kSequenceSwapMinLikelihoodRatio = 100;

enum class SequenceVerdict {
  kConfirmed,    // matches its own position's rolled print at or above the threshold
  kUnconfirmed,  // not a swap, and no match at its own position at the threshold
  kFingerSwap,   // the swapped assignment puts it at another finger of the same hand
  kHandSwap,     // ... at the same finger of the other hand
  kOtherSwap,    // ... at another finger of the other hand
};

// "confirmed", "unconfirmed", "finger_swap", "hand_swap", "other_swap".
const char* SequenceVerdictName(SequenceVerdict verdict);

// Whether `verdict` is one of the swaps.
bool IsSequenceSwap(SequenceVerdict verdict);

struct SegmentSequenceCheck {
  int position = 0;             // the slap finger's claimed position
  bool rolled_present = false;  // a rolled print of that position exists
  double own_score = 0;         // score against it (0 when absent)
  int best_position = 0;        // the rolled position it matches best (0 when no rolled print)
  double best_score = 0;
  int assigned_position = 0;  // where the best assignment puts it (0: no rolled print)
  double assigned_score = 0;  // its score there
  SequenceVerdict verdict = SequenceVerdict::kUnconfirmed;
};

// Every slap finger's score against every rolled print (MCC matcher).
struct SlapSequenceScores {
  std::vector<int> slap_positions;         // ascending
  std::vector<int> rolled_positions;       // ascending
  std::vector<std::vector<double>> score;  // [slap finger][rolled print]
};

struct SlapSequenceDecision {
  std::vector<SegmentSequenceCheck> checks;  // one per slap finger, in slap_positions' order
  bool swap = false;                         // the slap's positions are contradicted
  double log_likelihood_gain = 0;            // of the best assignment over the best unswapped one
};

SlapSequenceScores ScoreSlapSequence(const std::map<int, MinutiaeTemplate>& slap_fingers,
                                     const std::map<int, MinutiaeTemplate>& rolled);

// The whole-slap decision above on `scores`; `threshold` (a score) only tells confirmed from
// unconfirmed fingers; `min_likelihood_ratio` (> 1) is the swap's margin (other values: measurement).
SlapSequenceDecision DecideSlapSequence(const SlapSequenceScores& scores, double threshold,
                                        double min_likelihood_ratio = kSequenceSwapMinLikelihoodRatio);

// ScoreSlapSequence then DecideSlapSequence.
SlapSequenceDecision CheckSlapSequence(const std::map<int, MinutiaeTemplate>& slap_fingers,
                                       const std::map<int, MinutiaeTemplate>& rolled, double threshold);

// The kind of swap that puts the finger claimed at `claimed` (1-10) at `actual` (1-10, different).
SequenceVerdict SwapKind(int claimed, int actual);

}  // namespace abis::finger
