// Study tool: scores every two impressions of each FVC folder given (own extractor and .iso
// templates) and prints one CSV line per pair with the matcher's score components, for offline
// analysis of score functions. Usage: finger_matcher_study DIR[@PPI] ... > pairs.csv
// Matcher parameters can be overridden for sweeps through the environment:
// ABIS_STUDY_ANCHORS (consolidation_anchors), ABIS_STUDY_ORIENTATION_WEIGHT,
// ABIS_STUDY_NEUTRAL_AGREEMENT.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "abis/finger/mcc_matcher.h"
#include "fvc_cylinder_sets.h"

namespace {

void OverrideFromEnvironment(const char* name, double& value) {
  if (const char* text = std::getenv(name); text != nullptr && *text != '\0') {
    value = std::atof(text);
    std::fprintf(stderr, "%s = %g\n", name, value);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace abis::finger;
  MccParameters parameters;
  double anchors = parameters.consolidation_anchors;
  OverrideFromEnvironment("ABIS_STUDY_ANCHORS", anchors);
  parameters.consolidation_anchors = static_cast<int>(anchors);
  OverrideFromEnvironment("ABIS_STUDY_ORIENTATION_WEIGHT", parameters.orientation_weight);
  OverrideFromEnvironment("ABIS_STUDY_NEUTRAL_AGREEMENT", parameters.orientation_neutral_agreement);
  auto sets = bench::LoadFvcCylinderSets(std::vector<std::string>(argv + 1, argv + argc));
  if (!sets.ok()) {
    std::fprintf(stderr, "%s\n", sets.status().ToString().c_str());
    return 2;
  }
  std::printf("db,source,finger_a,imp_a,finger_b,imp_b,genuine,enrolled,score,lssr,aligned,aligned_pairs,na,nb,of,of_cells\n");
  for (const bench::FvcCylinderSet& set : *sets) {
    const auto& samples = set.samples;
    const auto& cylinders = set.cylinders;
    std::vector<std::pair<std::size_t, std::size_t>> pairs;
    for (std::size_t i = 0; i < samples.size(); ++i) {
      for (std::size_t j = i + 1; j < samples.size(); ++j) pairs.emplace_back(i, j);
    }
    std::vector<MccComparison> results(pairs.size());
    std::vector<std::thread> workers;
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned w = 0; w < threads; ++w) {
      workers.emplace_back([&, w] {
        for (std::size_t p = w; p < pairs.size(); p += threads) {
          results[p] = CompareMcc(cylinders[pairs[p].first], cylinders[pairs[p].second], parameters);
        }
      });
    }
    for (auto& worker : workers) worker.join();
    for (std::size_t p = 0; p < pairs.size(); ++p) {
      const auto& a = samples[pairs[p].first];
      const auto& b = samples[pairs[p].second];
      const auto& r = results[p];
      std::printf("%s,%s,%d,%d,%d,%d,%d,%d,%.9g,%.9g,%.9g,%d,%zu,%zu,%.6g,%d\n", set.database.c_str(), set.source.c_str(),
                  a.finger, a.impression, b.finger, b.impression, a.finger == b.finger ? 1 : 0,
                  set.enrolled[pairs[p].first] && set.enrolled[pairs[p].second] ? 1 : 0, r.score,
                  r.lss_r_score, r.aligned_score, r.aligned_pairs, cylinders[pairs[p].first].size(),
                  cylinders[pairs[p].second].size(), r.orientation_agreement, r.orientation_cells);
    }
  }
  return 0;
}
