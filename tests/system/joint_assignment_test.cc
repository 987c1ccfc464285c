// MaxWeightAssignment: exact maximum-weight matching where "best pair first" is not.
#include "abis/system/joint_assignment.h"

#include <gtest/gtest.h>

#include <random>

namespace abis {
namespace {

using Weights = std::vector<std::vector<std::optional<double>>>;

double Total(const Weights& weights, const std::vector<std::optional<std::size_t>>& chosen) {
  double total = 0.0;
  for (std::size_t row = 0; row < chosen.size(); ++row)
    if (chosen[row]) total += *weights[row][*chosen[row]];
  return total;
}

// The best total by trying every assignment (rows <= 6), for comparison.
double BruteForce(const Weights& weights, std::size_t row, std::vector<bool>& used) {
  if (row == weights.size()) return 0.0;
  double best = BruteForce(weights, row + 1, used);  // row unassigned
  for (std::size_t column = 0; column < weights[row].size(); ++column) {
    if (used[column] || !weights[row][column]) continue;
    used[column] = true;
    best = std::max(best, *weights[row][column] + BruteForce(weights, row + 1, used));
    used[column] = false;
  }
  return best;
}

TEST(MaxWeightAssignment, GivesTheContestedColumnToTheRowThatLeavesTheLargerTotal) {
  // Both rows match column 0 best; greedy would give it to row 1 (9.5) and leave row 0 with
  // nothing; the joint optimum is row 0 -> 0 and row 1 -> 1 (9 + 8 = 17).
  const Weights weights = {{9.0, std::nullopt}, {9.5, 8.0}};
  const auto chosen = MaxWeightAssignment(weights);
  ASSERT_EQ(chosen.size(), 2u);
  EXPECT_EQ(chosen[0], 0u);
  EXPECT_EQ(chosen[1], 1u);
}

TEST(MaxWeightAssignment, LeavesRowsAndColumnsWithoutAnAllowedPairUnassigned) {
  const Weights weights = {{std::nullopt, std::nullopt, std::nullopt}, {5.0, std::nullopt, 4.0}};
  const auto chosen = MaxWeightAssignment(weights);
  EXPECT_FALSE(chosen[0].has_value());
  EXPECT_EQ(chosen[1], 0u);
  EXPECT_TRUE(MaxWeightAssignment({}).empty());
}

TEST(MaxWeightAssignment, MatchesBruteForceOnRandomMatrices) {
  std::mt19937 random(7);
  std::uniform_real_distribution<double> weight(0.1, 20.0);
  std::bernoulli_distribution allowed(0.6);
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t rows = 1 + trial % 6, columns = 1 + (trial / 6) % 6;
    Weights weights(rows, std::vector<std::optional<double>>(columns));
    for (auto& row : weights)
      for (auto& cell : row)
        if (allowed(random)) cell = weight(random);
    const auto chosen = MaxWeightAssignment(weights);
    std::vector<bool> used(columns, false);
    std::vector<bool> taken(columns, false);
    for (const auto& column : chosen) {
      if (!column) continue;
      ASSERT_FALSE(taken[*column]) << "a column given twice in trial " << trial;
      taken[*column] = true;
    }
    EXPECT_NEAR(Total(weights, chosen), BruteForce(weights, 0, used), 1e-9) << "trial " << trial;
  }
}

}  // namespace
}  // namespace abis
