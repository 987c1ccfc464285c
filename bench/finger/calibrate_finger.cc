// Regenerates the tables of src/finger/score_calibration.cc: takes the templates of every FVC
// folder given from both sources, our extractor and the .iso records beside the images (mapped
// to the image size, as `abis eval finger` does), scores every pair of impressions of the same
// source with finger-mcc/1 (same finger = genuine, different fingers = impostor, across folders
// too), and prints the FMR thresholds and a logistic fit of same-vs-different on the score
// (classes weighted equally). A folder may carry its scan resolution as DIR@PPI.
// Usage: calibrate_finger DIR[@PPI] [DIR...]   e.g. .../DB1_B .../DB2_B@569 .../DB3_B .../DB4_B
#include <algorithm>
#include <cmath>
#include <cstdio>
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
  std::vector<double> genuine, impostor;
  for (std::size_t x = 0; x < templates.size(); ++x) {
    for (std::size_t y = x + 1; y < templates.size(); ++y) {
      if (sources[x] != sources[y]) continue;
      (identities[x] == identities[y] ? genuine : impostor).push_back(CompareMcc(*templates[x], *templates[y]).score);
    }
  }
  if (genuine.empty() || impostor.empty()) return 2;
  std::sort(impostor.begin(), impostor.end());
  std::printf("genuine %zu impostor %zu\n", genuine.size(), impostor.size());
  for (const double fmr : {0.1, 0.03, 0.01, 0.003, 0.001, 3e-4, 1e-4, 5e-5, 2e-5}) {
    const auto allowed = static_cast<std::size_t>(std::floor(fmr * impostor.size()));
    const double threshold = allowed >= impostor.size() ? 0 : std::nextafter(impostor[impostor.size() - allowed - 1], 1.0);
    const auto rejected = std::count_if(genuine.begin(), genuine.end(), [&](double g) { return g < threshold; });
    std::printf("{%g, %.6f},  // FNMR %.4f\n", fmr, threshold, static_cast<double>(rejected) / genuine.size());
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
