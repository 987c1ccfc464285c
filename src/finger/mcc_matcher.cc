#include "abis/finger/mcc_matcher.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "geometry.h"
#include "mcc_consolidation.h"
#include "mcc_local_similarity.h"

namespace abis::finger {
namespace {

// The paper's sigmoid Z(v, mu, tau) = 1 / (1 + exp(-tau (v - mu))).
double Sigmoid(double value, double mu, double tau) { return 1.0 / (1.0 + std::exp(-tau * (value - mu))); }

struct CandidatePair {
  int a = 0;
  int b = 0;
  float similarity = 0;
};

// One-to-one pairs of highest local similarity, greedily, at most `limit`. Only the head of the
// candidate list is sorted (a greedy pass rarely needs more than a few times `limit` candidates);
// the rest is sorted only if the head runs out, so the result equals a full sort's.
std::vector<CandidatePair> SelectBestPairs(const std::vector<float>& similarity, int rows, int columns, int limit) {
  thread_local std::vector<CandidatePair> all;  // kept per thread (12 bytes per cylinder pair)
  all.clear();
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < columns; ++j) {
      const float s = similarity[static_cast<std::size_t>(i) * columns + j];
      if (s > 0) all.push_back({i, j, s});
    }
  }
  const auto better = [](const CandidatePair& x, const CandidatePair& y) {
    return x.similarity > y.similarity || (x.similarity == y.similarity && (x.a < y.a || (x.a == y.a && x.b < y.b)));
  };
  const std::size_t head = std::min(all.size(), static_cast<std::size_t>(4 * limit + 16));
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(head), all.end(), better);
  std::vector<char> used_a(rows, 0), used_b(columns, 0);
  std::vector<CandidatePair> selected;
  std::size_t next = 0;
  const auto take_until = [&](std::size_t end) {
    for (; next < end && static_cast<int>(selected.size()) < limit; ++next) {
      const CandidatePair& pair = all[next];
      if (used_a[pair.a] || used_b[pair.b]) continue;
      used_a[pair.a] = used_b[pair.b] = 1;
      selected.push_back(pair);
    }
  };
  take_until(head);
  if (static_cast<int>(selected.size()) < limit && head < all.size()) {
    std::sort(all.begin() + static_cast<std::ptrdiff_t>(head), all.end(), better);
    take_until(all.size());
  }
  return selected;
}

// The difference of the radial angles of two pairs, as the paper's d_phi(RadialAngle(at, ak),
// RadialAngle(bt, bk)), with one atan2 instead of two: the radial angle of k seen from t is t's
// direction minus the direction of the vector t->k, so the difference is the difference of the
// two minutiae directions minus the angle between the two vectors. When two cylinders of one
// template share a centre the radial angle is undefined and the difference is taken as 0.
double RadialAngleDifference(const MccTemplate::Centre& at, const MccTemplate::Centre& ak,
                             const MccTemplate::Centre& bt, const MccTemplate::Centre& bk) {
  const double ax = static_cast<double>(ak.x) - at.x;
  const double ay = static_cast<double>(ak.y) - at.y;
  const double bx = static_cast<double>(bk.x) - bt.x;
  const double by = static_cast<double>(bk.y) - bt.y;
  if ((ax == 0 && ay == 0) || (bx == 0 && by == 0)) return 0;
  const double vector_angle = std::atan2(bx * ay - by * ax, bx * ax + by * ay);  // angle from b's vector to a's
  return internal::AngleDifference(internal::AngleDifference(at.angle, bt.angle), vector_angle);
}

}  // namespace

int MccPairCount(int probe_cylinders, int reference_cylinders, const MccParameters& parameters) {
  const double fraction = Sigmoid(std::min(probe_cylinders, reference_cylinders), parameters.mu_pairs,
                                  parameters.tau_pairs);
  return parameters.min_pairs +
         static_cast<int>(std::lround(fraction * (parameters.max_pairs - parameters.min_pairs)));
}

MccComparison CompareMcc(const MccTemplate& probe, const MccTemplate& reference, const MccParameters& parameters) {
  MccComparison result;
  const int na = static_cast<int>(probe.size());
  const int nb = static_cast<int>(reference.size());
  if (na == 0 || nb == 0) return result;

  thread_local std::vector<float> similarity;
  internal::ComputeLocalSimilarities(probe, reference, parameters, similarity);
  const std::vector<CandidatePair> pairs = SelectBestPairs(similarity, na, nb, std::min(na, nb));
  const int nr = static_cast<int>(pairs.size());
  if (nr == 0) return result;

  // Geometric compatibility rho(t, k) of every two selected pairs (symmetric).
  std::vector<double> rho(static_cast<std::size_t>(nr) * nr, 0.0);
  for (int t = 0; t < nr; ++t) {
    const auto& at = probe.centres[pairs[t].a];
    const auto& bt = reference.centres[pairs[t].b];
    for (int k = t + 1; k < nr; ++k) {
      const auto& ak = probe.centres[pairs[k].a];
      const auto& bk = reference.centres[pairs[k].b];
      const double da = std::hypot(at.x - ak.x, at.y - ak.y);
      const double db = std::hypot(bt.x - bk.x, bt.y - bk.y);
      // Skin stretches in proportion to distance: scaling the difference moves the sigmoid's
      // midpoint mu_1^rho to mu_1^rho + growth x mean distance (and widens it in proportion).
      const double d1 = std::abs(da - db) * parameters.mu_rho_distance /
                        (parameters.mu_rho_distance + parameters.rho_distance_growth * 0.5 * (da + db));
      const double d2 = std::abs(internal::AngleDifference(internal::AngleDifference(at.angle, ak.angle),
                                                           internal::AngleDifference(bt.angle, bk.angle)));
      const double d3 = std::abs(RadialAngleDifference(at, ak, bt, bk));
      const double value = Sigmoid(d1, parameters.mu_rho_distance, parameters.tau_rho_distance) *
                           Sigmoid(d2, parameters.mu_rho_angle, parameters.tau_rho_angle) *
                           Sigmoid(d3, parameters.mu_rho_angle, parameters.tau_rho_angle);
      rho[static_cast<std::size_t>(t) * nr + k] = value;
      rho[static_cast<std::size_t>(k) * nr + t] = value;
    }
  }

  std::vector<double> lambda(nr), next(nr);
  for (int t = 0; t < nr; ++t) lambda[t] = pairs[t].similarity;
  const double w = parameters.relaxation_weight;
  for (int iteration = 0; iteration < parameters.relaxation_iterations; ++iteration) {
    for (int t = 0; t < nr; ++t) {
      double support = 0;
      const double* rho_row = &rho[static_cast<std::size_t>(t) * nr];
      for (int k = 0; k < nr; ++k) support += rho_row[k] * lambda[k];  // rho(t, t) = 0
      next[t] = w * lambda[t] + (1 - w) * (nr > 1 ? support / (nr - 1) : 0.0);
    }
    lambda.swap(next);
  }

  // Efficiency: how much of its initial similarity a pair kept through relaxation.
  std::vector<int> order(nr);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int x, int y) {
    const double ex = lambda[x] / pairs[x].similarity;
    const double ey = lambda[y] / pairs[y].similarity;
    return ex > ey || (ex == ey && x < y);
  });
  const int np = std::min(nr, MccPairCount(na, nb, parameters));
  double sum = 0;
  for (int i = 0; i < np; ++i) {
    const int t = order[i];
    sum += lambda[t];
    result.pairs.push_back({probe.centres[pairs[t].a].minutia_index, reference.centres[pairs[t].b].minutia_index,
                            lambda[t]});
  }
  // Normalise by n_P even when fewer pairs exist: few matchable pairs is itself weak evidence.
  result.lss_r_score = sum / MccPairCount(na, nb, parameters);

  std::vector<std::pair<int, int>> anchors;
  anchors.reserve(np);
  for (int i = 0; i < np; ++i) anchors.emplace_back(pairs[order[i]].a, pairs[order[i]].b);
  const internal::AlignedConsolidation consolidation =
      internal::ConsolidateUnderAlignment(probe, reference, similarity, anchors, parameters);
  result.aligned_score = consolidation.score;
  result.aligned_pairs = consolidation.paired;
  result.orientation_compared = consolidation.orientation.compared;
  result.orientation_agreement = consolidation.orientation.mean_cosine;
  result.orientation_cells = consolidation.orientation.cells;
  result.score = std::min(1.0, std::sqrt(result.lss_r_score * result.aligned_score) * consolidation.orientation_factor);
  return result;
}

}  // namespace abis::finger
