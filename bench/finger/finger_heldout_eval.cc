// Held-out accuracy check (issue 22): our extractor's templates of each FVC-style folder given
// (DIR or DIR@PPI; images named <finger>_<impression>.<ext>, no .iso needed), every two
// impressions compared, and per folder and pooled over the folders (within-folder impostor pairs
// only) the failures to enrol (their pairs score 0), the EER, the FNMR at FMR 1e-2, 1e-3 and 1e-4 and the ZeroFMR. The
// pooled rows are what the held-out protocol compares: tune on some folders, test on the others. Usage:
// finger_heldout_eval [--label NAME] DIR[@PPI] ... Matcher parameters can be overridden for sweeps through the
// environment (ABIS_HELDOUT_<NAME>, see OverrideParameters).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "abis/core/search_executor.h"
#include "abis/finger/mcc_matcher.h"
#include "abis/finger/verification_metrics.h"
#include "fvc_cylinder_sets.h"

namespace {

// score(p) for every p in [0, count), on the shared search executor's threads.
template <typename Score>
std::vector<double> ScoreEach(std::size_t count, Score score) {
  std::vector<double> results(count, 0);
  abis::SearchExecutor& executor = abis::SearchExecutor::Shared();
  const std::size_t slices = std::max<std::size_t>(1, std::min(count, executor.concurrency()));
  executor.ParallelFor(slices, [&](std::size_t slice) {
    for (std::size_t p = abis::SearchExecutor::SliceBegin(count, slices, slice);
         p < abis::SearchExecutor::SliceBegin(count, slices, slice + 1); ++p) {
      results[p] = score(p);
    }
  });
  return results;
}

using abis::finger::MccParameters;
using abis::finger::ScoreSets;

void Override(const char* name, double& value) {
  if (const char* text = std::getenv(name); text != nullptr && *text != '\0') {
    value = std::atof(text);
    std::fprintf(stderr, "%s = %g\n", name, value);
  }
}

MccParameters OverrideParameters() {
  MccParameters parameters;
  Override("ABIS_HELDOUT_DISTANCE_TOLERANCE", parameters.consolidation_distance_tolerance);
  Override("ABIS_HELDOUT_TOLERANCE_GROWTH", parameters.consolidation_tolerance_growth);
  Override("ABIS_HELDOUT_ANGLE_TOLERANCE", parameters.consolidation_angle_tolerance);
  Override("ABIS_HELDOUT_RHO_GROWTH", parameters.rho_distance_growth);
  Override("ABIS_HELDOUT_ORIENTATION_WEIGHT", parameters.orientation_weight);
  Override("ABIS_HELDOUT_NEUTRAL_AGREEMENT", parameters.orientation_neutral_agreement);
  double anchors = parameters.consolidation_anchors;
  Override("ABIS_HELDOUT_ANCHORS", anchors);
  parameters.consolidation_anchors = static_cast<int>(anchors);
  return parameters;
}

void PrintRow(const std::string& name, const ScoreSets& scores, int failures_to_enrol) {
  const auto rates = abis::finger::ComputeErrorRates(scores);
  std::printf(
      "%-28s %4d %6zu %8zu  EER %6.2f %%  FNMR@1e-2 %6.2f %%  @1e-3 %6.2f %%  @1e-4 %6.2f %%  ZeroFMR %6.2f %%\n",
      name.c_str(), failures_to_enrol, scores.genuine.size(), scores.impostor.size(), rates.eer * 100,
      abis::finger::FnmrAtFmr(scores, 1e-2) * 100, abis::finger::FnmrAtFmr(scores, 1e-3) * 100,
      abis::finger::FnmrAtFmr(scores, 1e-4) * 100, rates.zero_fmr * 100);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> folders;
  std::string label = "pooled";
  bool cross = false;
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument == "--label" && i + 1 < argc) {
      label = argv[++i];
    } else if (argument == "--cross") {
      cross = true;
    } else {
      folders.push_back(argument);
    }
  }
  if (folders.empty()) {
    std::fprintf(stderr, "usage: finger_heldout_eval [--label NAME] [--cross] DIR[@PPI] ...\n");
    return 2;
  }
  const MccParameters parameters = OverrideParameters();
  auto sets = abis::finger::bench::LoadFvcCylinderSets(folders, /*with_iso=*/false);
  if (!sets.ok()) {
    std::fprintf(stderr, "%s\n", sets.status().ToString().c_str());
    return 2;
  }
  std::printf("%-28s %4s %6s %8s\n", "set", "fte", "gen", "imp");
  ScoreSets pooled;
  int pooled_failures = 0;
  for (const auto& set : *sets) {
    std::vector<std::pair<std::size_t, std::size_t>> pairs;
    for (std::size_t i = 0; i < set.samples.size(); ++i) {
      for (std::size_t j = i + 1; j < set.samples.size(); ++j) pairs.emplace_back(i, j);
    }
    const std::vector<double> results = ScoreEach(pairs.size(), [&](std::size_t p) {
      // A failure to enrol scores 0, as in `abis eval finger`.
      if (!set.enrolled[pairs[p].first] || !set.enrolled[pairs[p].second]) return 0.0;
      return abis::finger::CompareMcc(set.cylinders[pairs[p].first], set.cylinders[pairs[p].second], parameters).score;
    });
    ScoreSets scores;
    for (std::size_t p = 0; p < pairs.size(); ++p) {
      const bool genuine = set.samples[pairs[p].first].finger == set.samples[pairs[p].second].finger;
      (genuine ? scores.genuine : scores.impostor).push_back(results[p]);
    }
    const int failures = static_cast<int>(std::count(set.enrolled.begin(), set.enrolled.end(), false));
    pooled_failures += failures;
    PrintRow(set.database, scores, failures);
    pooled.genuine.insert(pooled.genuine.end(), scores.genuine.begin(), scores.genuine.end());
    pooled.impostor.insert(pooled.impostor.end(), scores.impostor.begin(), scores.impostor.end());
  }
  if (sets->size() > 1) PrintRow(label, pooled, pooled_failures);
  if (cross && sets->size() > 1) {
    // Every two impressions of different folders are impostor pairs too (PFT III style: all of them).
    std::vector<std::pair<const abis::finger::MccTemplate*, const abis::finger::MccTemplate*>> pairs;
    for (std::size_t s = 0; s < sets->size(); ++s) {
      for (std::size_t t = s + 1; t < sets->size(); ++t) {
        for (std::size_t i = 0; i < (*sets)[s].samples.size(); ++i) {
          for (std::size_t j = 0; j < (*sets)[t].samples.size(); ++j) {
            if (!(*sets)[s].enrolled[i] || !(*sets)[t].enrolled[j]) continue;
            pairs.emplace_back(&(*sets)[s].cylinders[i], &(*sets)[t].cylinders[j]);
          }
        }
      }
    }
    const std::vector<double> results = ScoreEach(pairs.size(), [&](std::size_t p) {
      return abis::finger::CompareMcc(*pairs[p].first, *pairs[p].second, parameters).score;
    });
    pooled.impostor.insert(pooled.impostor.end(), results.begin(), results.end());
    PrintRow(label + "+cross", pooled, pooled_failures);
  }
  return 0;
}
