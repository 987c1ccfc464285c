// Hungarian algorithm on the square cost matrix n x n, n = max(rows, columns): cost = -weight
// for an allowed pair and 0 otherwise (a disallowed pair, or a padding row or column, stands for
// "unassigned"). Since every allowed weight is > 0, a minimum-cost perfect matching of that matrix
// is a maximum-weight matching of the allowed pairs once the zero-cost pairs are dropped.
#include "abis/system/joint_assignment.h"

#include <algorithm>
#include <limits>

namespace abis {

std::vector<std::optional<std::size_t>> MaxWeightAssignment(
    const std::vector<std::vector<std::optional<double>>>& weights) {
  const std::size_t rows = weights.size();
  const std::size_t columns = rows == 0 ? 0 : weights.front().size();
  std::vector<std::optional<std::size_t>> out(rows);
  if (rows == 0 || columns == 0) return out;
  const std::size_t n = std::max(rows, columns);
  auto cost = [&](std::size_t row, std::size_t column) {
    if (row >= rows || column >= columns || !weights[row][column]) return 0.0;
    return -*weights[row][column];
  };
  // 1-based potentials u (rows), v (columns); match[c] is the row of column c (0: none).
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  std::vector<double> u(n + 1, 0.0), v(n + 1, 0.0);
  std::vector<std::size_t> match(n + 1, 0), way(n + 1, 0);
  for (std::size_t row = 1; row <= n; ++row) {
    match[0] = row;
    std::size_t column0 = 0;
    std::vector<double> min_slack(n + 1, kInfinity);
    std::vector<bool> used(n + 1, false);
    do {
      used[column0] = true;
      const std::size_t row0 = match[column0];
      double delta = kInfinity;
      std::size_t column1 = 0;
      for (std::size_t column = 1; column <= n; ++column) {
        if (used[column]) continue;
        const double slack = cost(row0 - 1, column - 1) - u[row0] - v[column];
        if (slack < min_slack[column]) {
          min_slack[column] = slack;
          way[column] = column0;
        }
        if (min_slack[column] < delta) {
          delta = min_slack[column];
          column1 = column;
        }
      }
      for (std::size_t column = 0; column <= n; ++column) {
        if (used[column]) {
          u[match[column]] += delta;
          v[column] -= delta;
        } else {
          min_slack[column] -= delta;
        }
      }
      column0 = column1;
    } while (match[column0] != 0);
    do {
      const std::size_t column1 = way[column0];
      match[column0] = match[column1];
      column0 = column1;
    } while (column0 != 0);
  }
  for (std::size_t column = 1; column <= n; ++column) {
    const std::size_t row = match[column];
    if (row == 0 || row > rows || column > columns || !weights[row - 1][column - 1]) continue;
    out[row - 1] = column - 1;
  }
  return out;
}

}  // namespace abis
