// Small measures the benchmarks share: elapsed milliseconds, quantiles of latencies, and rounding
// for printing. Header-only; included by the benchmark programs under bench/.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <vector>

namespace abis::bench {

using Clock = std::chrono::steady_clock;

inline double MillisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The q-quantile (0 <= q <= 1) by the nearest rank below; 0 for no values.
inline double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<std::size_t>(q * static_cast<double>(values.size())))];
}

// Rounds to the nearest multiple of `unit` (a power of ten), printed without binary noise.
inline double Round(double value, double unit) {
  if (unit >= 1.0) return std::round(value / unit) * unit;
  const double inverse = std::round(1.0 / unit);
  return std::round(value * inverse) / inverse;
}

}  // namespace abis::bench
