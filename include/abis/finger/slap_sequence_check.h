// The sequence check of a slap against the rolled prints of the same transaction: each slap
// finger is compared with every rolled finger; a finger that matches another position's rolled
// print and not its own says the slap's positions are wrong (a finger swap within the hand, or a
// hand swap: a right slap holding the left hand). A swap enrols wrong positions for good, worse
// than a loose box, so the import reports it instead of enrolling silently.
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "abis/minutiae/minutiae.h"

namespace abis::finger {

enum class SequenceVerdict {
  kConfirmed,    // matches its own position's rolled print
  kUnconfirmed,  // matches no rolled print (or none of its position is present)
  kFingerSwap,   // matches another finger of the same hand better than its own
  kHandSwap,     // matches the same finger of the other hand better than its own
  kOtherSwap,    // matches a finger of the other hand (not the same finger) better than its own
};

// "confirmed", "unconfirmed", "finger_swap", "hand_swap", "other_swap".
const char* SequenceVerdictName(SequenceVerdict verdict);

struct SegmentSequenceCheck {
  int position = 0;             // the slap finger's claimed position
  bool rolled_present = false;  // a rolled print of that position exists
  double own_score = 0;         // score against it (0 when absent)
  int best_position = 0;        // the rolled position it matches best (0 when no rolled print)
  double best_score = 0;
  SequenceVerdict verdict = SequenceVerdict::kUnconfirmed;
};

// Compares each slap finger (position -> template) with each rolled print (position -> template)
// using the MCC matcher. A finger whose best rolled match reaches `threshold` at another position,
// above its own position's score, is a swap of the kind its positions say; reaching it at its own
// position confirms it.
std::vector<SegmentSequenceCheck> CheckSlapSequence(const std::map<int, MinutiaeTemplate>& slap_fingers,
                                                    const std::map<int, MinutiaeTemplate>& rolled, double threshold);

}  // namespace abis::finger
