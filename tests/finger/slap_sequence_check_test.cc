// The whole-slap sequence decision (abis/finger/slap_sequence_check.h) on score matrices: a lone
// impostor score just above the FMR 1e-3 threshold is no swap (the per-finger rule called it one),
// two fingers that each match the other's rolled print moderately are, a hand filed as the other
// is, and fingers matching their own prints are confirmed.
#include "abis/finger/slap_sequence_check.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "abis/finger/score_calibration.h"

namespace abis::finger {
namespace {

// A right four-finger slap (2-5) against rolled prints 1-10, every score `low` but those given.
SlapSequenceScores RightSlap(double low, const std::vector<std::tuple<int, int, double>>& scores) {
  SlapSequenceScores out;
  out.slap_positions = {2, 3, 4, 5};
  for (int p = 1; p <= 10; ++p) out.rolled_positions.push_back(p);
  out.score.assign(4, std::vector<double>(10, low));
  for (const auto& [slap, rolled, score] : scores) {
    out.score[static_cast<std::size_t>(slap - 2)][static_cast<std::size_t>(rolled - 1)] = score;
  }
  return out;
}

double Threshold() {
  auto threshold = FingerThresholdForFalseMatchRate(1e-3);
  EXPECT_TRUE(threshold.ok());
  return threshold.ok() ? *threshold : 0.1;
}

TEST(SlapSequenceCheckTest, FingersMatchingTheirOwnPrintsAreConfirmed) {
  const SlapSequenceDecision decision =
      DecideSlapSequence(RightSlap(0.02, {{2, 2, 0.3}, {3, 3, 0.25}, {4, 4, 0.04}, {5, 5, 0.2}}), Threshold());
  EXPECT_FALSE(decision.swap);
  ASSERT_EQ(decision.checks.size(), 4u);
  EXPECT_EQ(decision.checks[0].verdict, SequenceVerdict::kConfirmed);
  EXPECT_EQ(decision.checks[2].verdict, SequenceVerdict::kUnconfirmed);  // weak plain-vs-rolled match
  EXPECT_EQ(decision.checks[2].best_position, 4);
}

TEST(SlapSequenceCheckTest, ALoneImpostorScoreAboveTheThresholdIsNoSwap) {
  // Finger 4's own print scores 0.03 (plain against rolled), another position's 0.11: above the
  // FMR 1e-3 threshold, so the per-finger rule refused it; alone it is not a swap of the slap.
  const double threshold = Threshold();
  ASSERT_GT(0.11, threshold);
  const SlapSequenceDecision decision =
      DecideSlapSequence(RightSlap(0.02, {{2, 2, 0.3}, {3, 3, 0.25}, {4, 4, 0.03}, {4, 8, 0.11}}), threshold);
  EXPECT_FALSE(decision.swap) << decision.log_likelihood_gain;
  EXPECT_EQ(decision.checks[2].verdict, SequenceVerdict::kUnconfirmed);
  EXPECT_EQ(decision.checks[2].best_position, 8);
}

// A score that is not a number (a template without usable cylinders) is no evidence: the decision
// ends (the assignment looped for ever on a NaN weight) and declares no swap on it.
TEST(SlapSequenceCheckTest, AScoreThatIsNotANumberIsNoEvidence) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const SlapSequenceDecision decision = DecideSlapSequence(
      RightSlap(0.02, {{2, 2, 0.3}, {3, 3, nan}, {3, 4, nan}, {4, 4, 0.25}, {5, 5, 0.2}}), Threshold());
  EXPECT_FALSE(decision.swap) << decision.log_likelihood_gain;
  ASSERT_EQ(decision.checks.size(), 4u);
  EXPECT_EQ(decision.checks[0].verdict, SequenceVerdict::kConfirmed);
  EXPECT_TRUE(std::isfinite(decision.log_likelihood_gain));
}

TEST(SlapSequenceCheckTest, TwoModerateCrossMatchesAreAFingerSwap) {
  // Index and middle each match the other's rolled print at 0.12 (about FMR 1e-4 each), their own
  // at 0.03: together the swapped filing is far likelier.
  const SlapSequenceDecision decision = DecideSlapSequence(
      RightSlap(0.02, {{2, 3, 0.12}, {3, 2, 0.12}, {2, 2, 0.03}, {3, 3, 0.03}, {4, 4, 0.3}, {5, 5, 0.3}}), Threshold());
  EXPECT_TRUE(decision.swap);
  EXPECT_EQ(decision.checks[0].verdict, SequenceVerdict::kFingerSwap);
  EXPECT_EQ(decision.checks[0].assigned_position, 3);
  EXPECT_EQ(decision.checks[1].verdict, SequenceVerdict::kFingerSwap);
  EXPECT_EQ(decision.checks[1].assigned_position, 2);
  EXPECT_EQ(decision.checks[2].verdict, SequenceVerdict::kConfirmed);
  EXPECT_EQ(decision.checks[3].verdict, SequenceVerdict::kConfirmed);
}

TEST(SlapSequenceCheckTest, ARightSlapOfTheLeftHandIsAHandSwap) {
  const SlapSequenceDecision decision =
      DecideSlapSequence(RightSlap(0.02, {{2, 7, 0.2}, {3, 8, 0.15}, {4, 9, 0.1}, {5, 10, 0.25}}), Threshold());
  EXPECT_TRUE(decision.swap);
  for (const SegmentSequenceCheck& check : decision.checks) {
    EXPECT_EQ(check.verdict, SequenceVerdict::kHandSwap) << check.position;
    EXPECT_EQ(check.assigned_position, check.position + 5);
  }
}

TEST(SlapSequenceCheckTest, NoRolledPrintsNoVerdict) {
  SlapSequenceScores scores;
  scores.slap_positions = {1, 6};
  scores.score = {{}, {}};
  const SlapSequenceDecision decision = DecideSlapSequence(scores, Threshold());
  EXPECT_FALSE(decision.swap);
  ASSERT_EQ(decision.checks.size(), 2u);
  EXPECT_EQ(decision.checks[0].verdict, SequenceVerdict::kUnconfirmed);
  EXPECT_EQ(decision.checks[0].best_position, 0);
}

TEST(SlapSequenceCheckTest, SwapKinds) {
  EXPECT_EQ(SwapKind(2, 3), SequenceVerdict::kFingerSwap);
  EXPECT_EQ(SwapKind(2, 7), SequenceVerdict::kHandSwap);
  EXPECT_EQ(SwapKind(2, 8), SequenceVerdict::kOtherSwap);
  EXPECT_EQ(SwapKind(1, 6), SequenceVerdict::kHandSwap);
}

}  // namespace
}  // namespace abis::finger
