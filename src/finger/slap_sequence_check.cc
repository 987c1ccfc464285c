#include "abis/finger/slap_sequence_check.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "abis/finger/mcc.h"
#include "abis/finger/mcc_matcher.h"
#include "abis/finger/score_calibration.h"

namespace abis::finger {

namespace {

constexpr int kFingersPerHand = 5;  // positions 1-5 right, 6-10 left

// The column of each row in the assignment of rows to columns with the largest total weight
// (rows <= columns), by the Hungarian method with potentials on the negated weights.
std::vector<std::size_t> BestAssignment(const std::vector<std::vector<double>>& weight) {
  const std::size_t rows = weight.size();
  if (rows == 0) return {};
  const std::size_t columns = weight.front().size();
  const double infinity = std::numeric_limits<double>::infinity();
  // 1-based as in the textbook formulation; column 0 is the virtual start.
  std::vector<double> row_potential(rows + 1, 0), column_potential(columns + 1, 0);
  std::vector<std::size_t> row_of_column(columns + 1, 0), previous(columns + 1, 0);
  for (std::size_t row = 1; row <= rows; ++row) {
    row_of_column[0] = row;
    std::size_t column = 0;
    std::vector<double> slack(columns + 1, infinity);
    std::vector<bool> used(columns + 1, false);
    do {
      used[column] = true;
      const std::size_t current_row = row_of_column[column];
      double delta = infinity;
      std::size_t next = 0;
      for (std::size_t j = 1; j <= columns; ++j) {
        if (used[j]) continue;
        const double reduced = -weight[current_row - 1][j - 1] - row_potential[current_row] - column_potential[j];
        if (reduced < slack[j]) {
          slack[j] = reduced;
          previous[j] = column;
        }
        if (slack[j] < delta) {
          delta = slack[j];
          next = j;
        }
      }
      for (std::size_t j = 0; j <= columns; ++j) {
        if (used[j]) {
          row_potential[row_of_column[j]] += delta;
          column_potential[j] -= delta;
        } else {
          slack[j] -= delta;
        }
      }
      column = next;
    } while (row_of_column[column] != 0);
    do {
      const std::size_t before = previous[column];
      row_of_column[column] = row_of_column[before];
      column = before;
    } while (column != 0);
  }
  std::vector<std::size_t> column_of_row(rows, 0);
  for (std::size_t j = 1; j <= columns; ++j) {
    if (row_of_column[j] != 0) column_of_row[row_of_column[j] - 1] = j - 1;
  }
  return column_of_row;
}

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

bool IsSequenceSwap(SequenceVerdict verdict) {
  return verdict == SequenceVerdict::kFingerSwap || verdict == SequenceVerdict::kHandSwap ||
         verdict == SequenceVerdict::kOtherSwap;
}

SequenceVerdict SwapKind(int claimed, int actual) {
  const bool same_hand = (claimed <= kFingersPerHand) == (actual <= kFingersPerHand);
  const bool same_finger = (claimed - 1) % kFingersPerHand == (actual - 1) % kFingersPerHand;
  return same_hand     ? SequenceVerdict::kFingerSwap
         : same_finger ? SequenceVerdict::kHandSwap
                       : SequenceVerdict::kOtherSwap;
}

SlapSequenceScores ScoreSlapSequence(const std::map<int, MinutiaeTemplate>& slap_fingers,
                                     const std::map<int, MinutiaeTemplate>& rolled) {
  SlapSequenceScores out;
  std::vector<MccTemplate> references;
  for (const auto& [position, minutiae] : rolled) {
    out.rolled_positions.push_back(position);
    references.push_back(BuildMccTemplate(minutiae));
  }
  for (const auto& [position, minutiae] : slap_fingers) {
    out.slap_positions.push_back(position);
    const MccTemplate probe = BuildMccTemplate(minutiae);
    std::vector<double>& row = out.score.emplace_back();
    for (const MccTemplate& reference : references) row.push_back(CompareMcc(probe, reference).score);
  }
  return out;
}

SlapSequenceDecision DecideSlapSequence(const SlapSequenceScores& scores, double threshold,
                                        double min_likelihood_ratio) {
  SlapSequenceDecision out;
  const std::size_t fingers = scores.slap_positions.size();
  const std::size_t rolled = scores.rolled_positions.size();
  // Weights: the log-likelihood ratio of each pairing; `fingers` extra columns of weight 0 stand
  // for "no rolled print of this finger".
  std::vector<std::vector<double>> weight(fingers, std::vector<double>(rolled + fingers, 0.0));
  double unswapped = 0;  // every finger at its own position, or at none when that is likelier
  for (std::size_t i = 0; i < fingers; ++i) {
    SegmentSequenceCheck& check = out.checks.emplace_back();
    check.position = scores.slap_positions[i];
    for (std::size_t r = 0; r < rolled; ++r) {
      // A score that is not a number (a template without usable cylinders) is no evidence; the
      // assignment would never end on a NaN weight.
      const double score = std::isfinite(scores.score[i][r]) ? scores.score[i][r] : 0.0;
      const double ratio = FingerScoreToLogLikelihoodRatio(score);
      weight[i][r] = std::isfinite(ratio) ? ratio : 0.0;
      if (scores.rolled_positions[r] == check.position) {
        check.rolled_present = true;
        check.own_score = score;
        unswapped += std::max(0.0, weight[i][r]);
      }
      if (check.best_position == 0 || score > check.best_score) {
        check.best_position = scores.rolled_positions[r];
        check.best_score = score;
      }
    }
  }
  const std::vector<std::size_t> assignment = BestAssignment(weight);
  double best = 0;
  bool moves = false;
  for (std::size_t i = 0; i < fingers; ++i) {
    SegmentSequenceCheck& check = out.checks[i];
    if (assignment[i] < rolled && weight[i][assignment[i]] > 0) {
      best += weight[i][assignment[i]];
      check.assigned_position = scores.rolled_positions[assignment[i]];
      check.assigned_score = scores.score[i][assignment[i]];
      if (check.assigned_position != check.position) moves = true;
    }
  }
  out.log_likelihood_gain = std::max(0.0, best - unswapped);
  out.swap = moves && out.log_likelihood_gain >= std::log(std::max(1.0, min_likelihood_ratio));
  for (SegmentSequenceCheck& check : out.checks) {
    if (out.swap && check.assigned_position != 0 && check.assigned_position != check.position) {
      check.verdict = SwapKind(check.position, check.assigned_position);
    } else if (check.rolled_present && check.own_score >= threshold) {
      check.verdict = SequenceVerdict::kConfirmed;
    }
  }
  return out;
}

SlapSequenceDecision CheckSlapSequence(const std::map<int, MinutiaeTemplate>& slap_fingers,
                                       const std::map<int, MinutiaeTemplate>& rolled, double threshold) {
  return DecideSlapSequence(ScoreSlapSequence(slap_fingers, rolled), threshold);
}

}  // namespace abis::finger
