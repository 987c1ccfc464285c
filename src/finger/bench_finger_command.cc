// `abis bench finger`: speed of the two matcher stages and of 1:N search, on synthetic minutiae
// templates (synthetic_minutiae.h) so that it runs anywhere; optionally the pre-selection hit
// rate on pooled FVC ISO templates.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>

#include "abis/finger/finger_gallery.h"
#include "abis/finger/fvc_evaluation.h"
#include "abis/finger/mcc_matcher.h"
#include "abis/finger/minutiae_record.h"
#include "abis/finger/synthetic_minutiae.h"
#include "finger_commands.h"

namespace abis::finger::internal {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct BenchFingerArguments {
  std::size_t gallery_size = 10000;
  std::size_t probes = 50;
  double penetration = 0.05;
  std::size_t exhaustive_limit = 20000;
  std::string fvc_root;
};

void ParallelFor(std::size_t count, const std::function<void(std::size_t)>& body) {
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < std::max(1u, std::thread::hardware_concurrency()); ++t) {
    workers.emplace_back([&] {
      for (std::size_t i = next++; i < count; i = next++) body(i);
    });
  }
  for (std::thread& worker : workers) worker.join();
}

// Impression 0 of synthetic finger `finger` is enrolled; impression 1 is the probe.
MinutiaeTemplate SyntheticSample(std::size_t finger, int impression) {
  const MinutiaeTemplate master = SyntheticFinger(0x5EED0000ull + finger);
  const std::uint64_t seed = (finger << 4) + static_cast<std::uint64_t>(impression);
  return SyntheticImpression(master, seed, TypicalImpressionOptions(seed));
}

nlohmann::json OneToOneSpeed() {
  constexpr std::size_t kTemplates = 256;
  std::vector<PreparedFingerTemplate> prepared(kTemplates);
  const auto build_start = Clock::now();
  for (std::size_t i = 0; i < kTemplates; ++i) prepared[i] = PrepareFingerTemplate(SyntheticSample(i, i % 2));
  const double build_seconds = SecondsSince(build_start) / kTemplates;

  // Fast path: signature comparisons, one thread.
  std::size_t fast = 0;
  double checksum = 0;
  const auto fast_start = Clock::now();
  while (SecondsSince(fast_start) < 1.0) {
    for (std::size_t i = 0; i < kTemplates; ++i) {
      for (std::size_t j = 0; j < kTemplates; ++j) checksum += CompareSignatures(prepared[i].signature, prepared[j].signature);
    }
    fast += kTemplates * kTemplates;
  }
  const double fast_rate = static_cast<double>(fast) / SecondsSince(fast_start);

  // Full MCC LSS-R, one thread.
  std::size_t full = 0;
  const auto full_start = Clock::now();
  while (SecondsSince(full_start) < 1.0) {
    for (std::size_t i = 0; i + 1 < kTemplates; i += 2) {
      checksum += CompareMcc(prepared[i].cylinders, prepared[i + 1].cylinders).score;
      ++full;
    }
  }
  const double full_rate = static_cast<double>(full) / SecondsSince(full_start);
  return {{"comparisons_per_second_per_core", fast_rate},
          {"comparisons_per_second_per_core_measures", "stage 1: signature AND+popcount (pre-selection fast path)"},
          {"full_comparisons_per_second_per_core", full_rate},
          {"full_comparisons_measure", "MCC bit-variant local similarities + LSS-R on prepared cylinders"},
          {"template_preparation_ms", build_seconds * 1000},
          {"checksum", checksum}};
}

nlohmann::json OneToManySpeed(const BenchFingerArguments& arguments) {
  const std::size_t n = arguments.gallery_size;
  std::vector<PreparedFingerTemplate> prepared(n);
  const auto build_start = Clock::now();
  ParallelFor(n, [&](std::size_t i) { prepared[i] = PrepareFingerTemplate(SyntheticSample(i, 0)); });
  const double build_seconds = SecondsSince(build_start);
  FingerGallery gallery;
  for (std::size_t i = 0; i < n; ++i) gallery.AddPrepared(static_cast<std::int64_t>(i), std::move(prepared[i]));
  prepared.clear();

  const std::size_t probes = std::min(arguments.probes, n);
  std::vector<PreparedFingerTemplate> probe_templates(probes);
  std::vector<std::int64_t> mates(probes);
  for (std::size_t p = 0; p < probes; ++p) {
    const std::size_t finger = (p * 7919) % n;
    mates[p] = static_cast<std::int64_t>(finger);
    probe_templates[p] = PrepareFingerTemplate(SyntheticSample(finger, 1));
  }
  const auto run = [&](double penetration, std::size_t min_candidates, std::size_t& rank1_hits) {
    rank1_hits = 0;
    const auto start = Clock::now();
    for (std::size_t p = 0; p < probes; ++p) {
      const std::vector<Candidate> candidates = gallery.SearchPrepared(probe_templates[p], 10, penetration, min_candidates);
      if (!candidates.empty() && candidates[0].reference_id == mates[p]) ++rank1_hits;
    }
    return SecondsSince(start) / static_cast<double>(probes);
  };
  std::size_t scan_hits = 0, preselected_hits = 0;
  const double scan_seconds = run(0.0, 1, scan_hits);
  const double preselected_seconds = run(arguments.penetration, 100, preselected_hits);
  nlohmann::json result = {
      {"gallery_size", n},
      {"probes", probes},
      {"threads", std::max(1u, std::thread::hardware_concurrency())},
      {"gallery_build_seconds", build_seconds},
      {"stage1_scan_seconds_per_probe", scan_seconds},
      {"penetration", arguments.penetration},
      {"search_seconds_per_probe", preselected_seconds},
      {"rank1_rate_preselected", static_cast<double>(preselected_hits) / probes},
  };
  if (n <= arguments.exhaustive_limit) {
    std::size_t exhaustive_hits = 0;
    result["exhaustive_search_seconds_per_probe"] = run(1.0, n, exhaustive_hits);
    result["rank1_rate_exhaustive"] = static_cast<double>(exhaustive_hits) / probes;
  }
  return result;
}

// Pooled FVC ISO templates of every DB*_B folder under `root`: each template in turn is the
// probe, all others the gallery; the hit rate is the share of probes with a mate in the
// pre-selected shortlist.
Result<nlohmann::json> FvcPreselection(const std::string& root, double penetration) {
  std::vector<PreparedFingerTemplate> templates;
  std::vector<std::string> identities;
  std::error_code error;
  std::vector<std::filesystem::path> folders;
  for (const auto& entry : std::filesystem::directory_iterator(root, error)) {
    if (entry.is_directory()) folders.push_back(entry.path());
  }
  if (error) return Status::NotFound(root + ": " + error.message());
  std::sort(folders.begin(), folders.end());
  for (const auto& folder : folders) {
    auto samples = ListFvcSamples(folder, FvcTemplateSource::kIsoTemplates);
    if (!samples.ok()) continue;
    for (const FvcSample& sample : samples.value()) {
      std::ifstream in(sample.path, std::ios::binary);
      const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
      ABIS_ASSIGN_OR_RETURN(const MinutiaeRecord record, ReadMinutiaeRecord(bytes, sample.path.string()));
      templates.push_back(PrepareFingerTemplate(record.views[0].minutiae));
      identities.push_back(folder.filename().string() + "/" + std::to_string(sample.finger));
    }
  }
  if (templates.size() < 2) return Status::NotFound(root + ": no FVC ISO templates found");
  FingerGallery gallery;
  for (std::size_t i = 0; i < templates.size(); ++i) gallery.AddPrepared(static_cast<std::int64_t>(i), templates[i]);
  const std::size_t keep = std::max<std::size_t>(1, static_cast<std::size_t>(penetration * (templates.size() - 1)));
  std::size_t hits = 0, exhaustive_rank1 = 0, preselected_rank1 = 0;
  for (std::size_t p = 0; p < templates.size(); ++p) {
    std::vector<std::pair<double, std::size_t>> ranked;
    for (std::size_t g = 0; g < templates.size(); ++g) {
      if (g != p) ranked.emplace_back(CompareSignatures(templates[p].signature, templates[g].signature), g);
    }
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t k = 0; k < keep && k < ranked.size(); ++k) {
      if (identities[ranked[k].second] == identities[p]) {
        ++hits;
        break;
      }
    }
    const auto best_of = [&](std::size_t limit) {
      double best = -1;
      std::size_t best_index = 0;
      for (std::size_t k = 0; k < limit && k < ranked.size(); ++k) {
        const double score = CompareMcc(templates[p].cylinders, templates[ranked[k].second].cylinders).score;
        if (score > best) best = score, best_index = ranked[k].second;
      }
      return best_index;
    };
    if (identities[best_of(ranked.size())] == identities[p]) ++exhaustive_rank1;
    if (identities[best_of(keep)] == identities[p]) ++preselected_rank1;
  }
  const double n = static_cast<double>(templates.size());
  return nlohmann::json{{"templates", templates.size()},
                        {"penetration", penetration},
                        {"shortlist", keep},
                        {"mate_in_shortlist_rate", hits / n},
                        {"rank1_rate_exhaustive", exhaustive_rank1 / n},
                        {"rank1_rate_preselected", preselected_rank1 / n}};
}

void RunBenchFinger(const BenchFingerArguments& arguments, CliGlobals& globals) {
  if (arguments.gallery_size == 0 || !(arguments.penetration > 0 && arguments.penetration <= 1)) {
    ReportError(globals, Status::InvalidArgument("--gallery-size must be > 0 and --penetration in (0, 1]"));
    return;
  }
  nlohmann::json result = OneToOneSpeed();
  result["one_to_many"] = OneToManySpeed(arguments);
  if (!arguments.fvc_root.empty()) {
    auto fvc = FvcPreselection(arguments.fvc_root, arguments.penetration);
    if (!fvc.ok()) {
      ReportError(globals, fvc.status());
      return;
    }
    result["fvc_preselection"] = fvc.value();
  }
  result["modality"] = "finger";
  PrintResult(globals, result);
}

}  // namespace

void AddBenchFingerCommand(CLI::App& root, CliGlobals& globals) {
  CLI::App* bench = SubcommandOf(root, "bench", "Speed benchmarks");
  CLI::App* command = bench->add_subcommand("finger", "Matcher speed (1:1 both stages) and 1:N search");
  auto arguments = std::make_shared<BenchFingerArguments>();
  command->add_option("--gallery-size", arguments->gallery_size, "Synthetic templates in the 1:N gallery");
  command->add_option("--probes", arguments->probes, "1:N searches to time");
  command->add_option("--penetration", arguments->penetration, "Fraction of the gallery passed to full MCC");
  command->add_option("--exhaustive-limit", arguments->exhaustive_limit,
                      "Also time exhaustive search for galleries up to this size");
  command->add_option("--fvc-root", arguments->fvc_root,
                      "Folder of FVC DB folders: measure pre-selection on their pooled .iso templates");
  command->callback([arguments, &globals] { RunBenchFinger(*arguments, globals); });
}

}  // namespace abis::finger::internal
