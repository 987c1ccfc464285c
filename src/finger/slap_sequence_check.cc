#include "abis/finger/slap_sequence_check.h"

#include "abis/finger/mcc.h"
#include "abis/finger/mcc_matcher.h"

namespace abis::finger {

namespace {
constexpr int kFingersPerHand = 5;  // positions 1-5 right, 6-10 left
}  // namespace

const char* SequenceVerdictName(SequenceVerdict verdict) {
  switch (verdict) {
    case SequenceVerdict::kConfirmed: return "confirmed";
    case SequenceVerdict::kUnconfirmed: return "unconfirmed";
    case SequenceVerdict::kFingerSwap: return "finger_swap";
    case SequenceVerdict::kHandSwap: return "hand_swap";
    case SequenceVerdict::kOtherSwap: return "other_swap";
  }
  return "unknown";
}

std::vector<SegmentSequenceCheck> CheckSlapSequence(const std::map<int, MinutiaeTemplate>& slap_fingers,
                                                    const std::map<int, MinutiaeTemplate>& rolled, double threshold) {
  std::map<int, MccTemplate> rolled_cylinders;
  for (const auto& [position, minutiae] : rolled) rolled_cylinders.emplace(position, BuildMccTemplate(minutiae));
  std::vector<SegmentSequenceCheck> checks;
  for (const auto& [position, minutiae] : slap_fingers) {
    const MccTemplate probe = BuildMccTemplate(minutiae);
    SegmentSequenceCheck check;
    check.position = position;
    for (const auto& [rolled_position, reference] : rolled_cylinders) {
      const double score = CompareMcc(probe, reference).score;
      if (rolled_position == position) {
        check.rolled_present = true;
        check.own_score = score;
      }
      if (check.best_position == 0 || score > check.best_score) {
        check.best_position = rolled_position;
        check.best_score = score;
      }
    }
    if (check.best_position != 0 && check.best_score >= threshold) {
      if (check.best_position == position) {
        check.verdict = SequenceVerdict::kConfirmed;
      } else {
        const bool same_hand = (position <= kFingersPerHand) == (check.best_position <= kFingersPerHand);
        const bool same_finger = (position - 1) % kFingersPerHand == (check.best_position - 1) % kFingersPerHand;
        check.verdict = same_hand     ? SequenceVerdict::kFingerSwap
                        : same_finger ? SequenceVerdict::kHandSwap
                                      : SequenceVerdict::kOtherSwap;
      }
    }
    checks.push_back(check);
  }
  return checks;
}

}  // namespace abis::finger
