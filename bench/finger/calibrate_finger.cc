// Regenerates the tables of src/finger/score_calibration.cc: takes the templates of every FVC
// folder given from both sources, our extractor and the .iso records beside the images (mapped
// to the image size, as `abis eval finger` does), scores every pair of impressions of the same
// source with finger-mcc/1 (same finger = genuine, different fingers = impostor, across folders
// too), and prints the FMR thresholds (per source, the stricter kept, with each source's FNMR)
// and a logistic fit of same-vs-different on the pooled score (classes weighted equally). A
// folder may carry its scan resolution as DIR@PPI.
// Usage: calibrate_finger DIR[@PPI] [DIR...]   e.g. .../DB1_B .../DB2_B@569 .../DB3_B .../DB4_B
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>

#include "abis/finger/mcc_matcher.h"
#include "fvc_cylinder_sets.h"

int main(int argc, char** argv) {
  using namespace abis::finger;
  auto sets = bench::LoadFvcCylinderSets(std::vector<std::string>(argv + 1, argv + argc));
  if (!sets.ok()) {
    std::fprintf(stderr, "%s\n", sets.status().ToString().c_str());
    return 2;
  }
  std::vector<const MccTemplate*> templates;  // failures to enrol are not part of the score model
  std::vector<std::string> identities;
  std::vector<std::string> sources;
  for (const bench::FvcCylinderSet& set : *sets) {
    for (std::size_t i = 0; i < set.samples.size(); ++i) {
      if (!set.enrolled[i]) continue;
      templates.push_back(&set.cylinders[i]);
      identities.push_back(set.folder + "/" + std::to_string(set.samples[i].finger));
      sources.push_back(set.source);
    }
  }
  // Scores per template source; thresholds are set per source and the stricter one is kept, so
  // the target FMR holds for our extractor's templates and for imported ISO ones alike.
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> by_source;  // genuine, impostor
  std::vector<double> genuine, impostor;
  for (std::size_t x = 0; x < templates.size(); ++x) {
    for (std::size_t y = x + 1; y < templates.size(); ++y) {
      if (sources[x] != sources[y]) continue;
      const double score = CompareMcc(*templates[x], *templates[y]).score;
      auto& [source_genuine, source_impostor] = by_source[sources[x]];
      (identities[x] == identities[y] ? source_genuine : source_impostor).push_back(score);
      (identities[x] == identities[y] ? genuine : impostor).push_back(score);
    }
  }
  if (genuine.empty() || impostor.empty()) return 2;
  std::printf("genuine %zu impostor %zu", genuine.size(), impostor.size());
  for (auto& [source, scores] : by_source) {
    if (scores.first.empty() || scores.second.empty()) return 2;
    std::sort(scores.second.begin(), scores.second.end());
    std::printf(" | %s genuine %zu impostor %zu", source.c_str(), scores.first.size(), scores.second.size());
  }
  std::printf("\n");
  for (const double fmr : {0.1, 0.03, 0.01, 0.003, 0.001, 3e-4, 1e-4, 5e-5, 2e-5}) {
    double threshold = 0;
    for (const auto& [source, scores] : by_source) {
      const std::vector<double>& sorted_impostor = scores.second;
      const auto allowed = static_cast<std::size_t>(std::floor(fmr * sorted_impostor.size()));
      if (allowed < sorted_impostor.size()) {
        threshold = std::max(threshold, std::nextafter(sorted_impostor[sorted_impostor.size() - allowed - 1], 1.0));
      }
    }
    std::printf("{%g, %.6f},  // FNMR", fmr, threshold);
    for (const auto& [source, scores] : by_source) {
      const auto rejected = std::count_if(scores.first.begin(), scores.first.end(), [&](double g) { return g < threshold; });
      std::printf(" %s %.4f", source.c_str(), static_cast<double>(rejected) / scores.first.size());
    }
    std::printf("\n");
  }
  double a = 0, b = 0;  // Newton's method on the weighted logistic log-likelihood
  for (int iteration = 0; iteration < 100; ++iteration) {
    double ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
    const auto accumulate = [&](const std::vector<double>& scores, double label, double weight) {
      for (const double s : scores) {
        const double p = 1 / (1 + std::exp(-(a + b * s)));
        ga += (p - label) * weight;
        gb += (p - label) * weight * s;
        const double h = p * (1 - p) * weight;
        haa += h;
        hab += h * s;
        hbb += h * s * s;
      }
    };
    accumulate(genuine, 1, 1.0 / genuine.size());
    accumulate(impostor, 0, 1.0 / impostor.size());
    const double det = haa * hbb - hab * hab;
    a -= (hbb * ga - hab * gb) / det;
    b -= (haa * gb - hab * ga) / det;
  }
  std::printf("logistic intercept %.6f slope %.6f\n", a, b);
  return 0;
}
