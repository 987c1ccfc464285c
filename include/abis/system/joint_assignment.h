// The joint assignment of a disaster victim identification: remains (rows) to missing persons
// (columns) so that no row and no column is used twice and the total weight of the pairs made is
// the largest possible (maximum-weight bipartite matching, not necessarily perfect). Exact: the
// Hungarian algorithm (Kuhn-Munkres with potentials), O(n^3) for n = max(rows, columns); a
// greedy "best pair first" is not exact (it can take one strong pair that blocks two others).
// Thread-safety: a pure function.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace abis {

// weights[r][c]: the weight of giving row r to column c, or nullopt when that pair is not allowed
// (below the assignment threshold, or excluded). REQUIRES: every row has the same number of
// columns; every allowed weight is finite and > 0 (a pair of weight <= 0 would never raise the
// total). Returns for each row its column, or nullopt when the row is left unassigned.
std::vector<std::optional<std::size_t>> MaxWeightAssignment(
    const std::vector<std::vector<std::optional<double>>>& weights);

}  // namespace abis
