// `abis bench finger`: speed of the two matcher stages and of 1:N search, on synthetic minutiae
// templates (synthetic_minutiae.h) so that it runs anywhere; optionally the pre-selection hit
// rate on pooled FVC ISO templates.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <string>
#include <thread>

#include "abis/finger/cylinder_lsh_index.h"
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
  std::size_t exhaustive_probes = 0;  // 0 = all probes
  std::size_t search_probes = 0;      // probes for the two-stage search; 0 = all probes
  std::size_t impostor_sample = 0;    // > 0: estimate exhaustive rank-1 from this many non-mates
  bool signatures_only = false;
  bool skip_one_to_one = false;
  bool cylinder_lsh = false;  // also measure the cylinder-LSH stage 1 (cylinder_lsh_index.h)
  std::string fvc_root;
};

unsigned Threads() { return std::max(1u, std::thread::hardware_concurrency()); }

void ParallelFor(std::size_t count, const std::function<void(std::size_t)>& body) {
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < Threads(); ++t) {
    workers.emplace_back([&] {
      for (std::size_t i = next++; i < count; i = next++) body(i);
    });
  }
  for (std::thread& worker : workers) worker.join();
}

// Progress of one long phase on stderr (stdout carries the JSON): a line when it starts, then at
// most one every 10 seconds with the share done and an estimate of the time left, and one when
// it ends. Update() may be called from one thread only.
class PhaseProgress {
 public:
  PhaseProgress(std::string phase, std::size_t total)
      : phase_(std::move(phase)), total_(total), start_(Clock::now()), last_(start_) {
    std::cerr << "bench finger: " << phase_ << ": " << total_ << " to do\n";
  }
  PhaseProgress(const PhaseProgress&) = delete;
  PhaseProgress& operator=(const PhaseProgress&) = delete;
  ~PhaseProgress() { Finish(); }

  // Reports the end of the phase (once; the destructor calls it too).
  void Finish() {
    if (finished_) return;
    finished_ = true;
    std::cerr << "bench finger: " << phase_ << ": done in " << std::fixed << std::setprecision(1)
              << SecondsSince(start_) << " s\n";
  }

  void Update(std::size_t done) {
    const auto now = Clock::now();
    if (now - last_ < std::chrono::seconds(10) || done == 0 || total_ == 0) return;
    last_ = now;
    const double elapsed = SecondsSince(start_);
    const double left = elapsed / static_cast<double>(done) * static_cast<double>(total_ - std::min(done, total_));
    std::cerr << "bench finger: " << phase_ << ": " << done << "/" << total_ << " (" << std::fixed
              << std::setprecision(1) << 100.0 * static_cast<double>(done) / static_cast<double>(total_) << " %), "
              << elapsed << " s, about " << left << " s left\n";
  }

 private:
  std::string phase_;
  std::size_t total_;
  Clock::time_point start_;
  Clock::time_point last_;
  bool finished_ = false;
};

// Resident set size of this process, now and at its peak, in bytes (0 where /proc is absent).
std::pair<double, double> ResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  double now = 0, peak = 0;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) now = std::stod(line.substr(6)) * 1024;
    if (line.starts_with("VmHWM:")) peak = std::stod(line.substr(6)) * 1024;
  }
  return {now, peak};
}

// Penetration rates at which the share of probes with a mate in the shortlist is reported.
constexpr std::array<double, 5> kReportedPenetrations = {0.005, 0.01, 0.02, 0.05, 0.10};
// Penetrations at which the cylinder-LSH stage 1 is followed by stage 2 (rank-1).
constexpr std::array<double, 3> kRankedPenetrations = {0.005, 0.01, 0.02};

std::size_t ShortlistSize(double penetration, std::size_t gallery) {
  return std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(penetration * static_cast<double>(gallery))));
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
      for (std::size_t j = 0; j < kTemplates; ++j)
        checksum += CompareSignatures(prepared[i].signature, prepared[j].signature);
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

Result<nlohmann::json> OneToManySpeed(const BenchFingerArguments& arguments) {
  const std::size_t n = arguments.gallery_size;
  FingerGalleryOptions options;
  options.signatures_only = arguments.signatures_only;
  FingerGallery gallery(options);
  // Synthetic fingers keep about 38 valid cylinders and a 19 x 25 block orientation map.
  gallery.Reserve(n, n * 40, n * SyntheticSample(0, 0).orientation.cells.size());
  // Build in chunks: prepared templates (about 13 KB each) are never all held at once.
  constexpr std::size_t kChunk = 8192;
  std::vector<PreparedFingerTemplate> chunk(kChunk);
  std::vector<CylinderLshKeys> lsh_keys(arguments.cylinder_lsh ? n : 0);
  double lsh_key_seconds = 0;
  const auto build_start = Clock::now();
  {
    PhaseProgress progress("gallery build (templates)", n);
    for (std::size_t begin = 0; begin < n; begin += kChunk) {
      const std::size_t count = std::min(kChunk, n - begin);
      ParallelFor(count, [&](std::size_t i) { chunk[i] = PrepareFingerTemplate(SyntheticSample(begin + i, 0)); });
      if (arguments.cylinder_lsh) {
        const auto key_start = Clock::now();
        ParallelFor(count, [&](std::size_t i) { lsh_keys[begin + i] = BuildCylinderLshKeys(chunk[i].cylinders); });
        lsh_key_seconds += SecondsSince(key_start);
      }
      for (std::size_t i = 0; i < count; ++i) {
        ABIS_RETURN_IF_ERROR(gallery.AddPrepared(static_cast<std::int64_t>(begin + i), chunk[i]));
      }
      progress.Update(begin + count);
    }
    chunk = {};
    gallery.ShrinkToFit();
  }
  const double build_seconds = SecondsSince(build_start);
  const auto [resident_bytes, peak_resident_bytes] = ResidentBytes();

  const std::size_t probes = std::min(arguments.probes, n);
  std::vector<PreparedFingerTemplate> probe_templates(probes);
  std::vector<std::int64_t> mates(probes);
  for (std::size_t p = 0; p < probes; ++p) {
    const std::size_t finger = (p * 7919) % n;
    mates[p] = static_cast<std::int64_t>(finger);
    probe_templates[p] = PrepareFingerTemplate(SyntheticSample(finger, 1));
  }

  // Stage 1 alone: scan time and the mate's presence in the shortlist at each reported penetration.
  const std::size_t widest = ShortlistSize(kReportedPenetrations.back(), n);
  std::array<std::size_t, kReportedPenetrations.size()> mate_in_shortlist{};
  double scan_seconds = 0;
  PhaseProgress scan_progress("stage-1 scans (probes)", probes);
  for (std::size_t p = 0; p < probes; ++p) {
    scan_progress.Update(p);
    const auto start = Clock::now();
    const std::vector<PreselectedReference> shortlist = gallery.Preselect(probe_templates[p].signature, widest);
    scan_seconds += SecondsSince(start);
    for (std::size_t r = 0; r < shortlist.size(); ++r) {
      if (shortlist[r].reference_id != mates[p]) continue;
      for (std::size_t k = 0; k < kReportedPenetrations.size(); ++k) {
        mate_in_shortlist[k] += r < ShortlistSize(kReportedPenetrations[k], n);
      }
      break;
    }
  }
  scan_progress.Finish();
  nlohmann::json hit_rates = nlohmann::json::object();
  for (std::size_t k = 0; k < kReportedPenetrations.size(); ++k) {
    hit_rates[std::to_string(kReportedPenetrations[k])] = static_cast<double>(mate_in_shortlist[k]) / probes;
  }

  nlohmann::json result = {
      {"gallery_size", n},
      {"probes", probes},
      {"threads", Threads()},
      {"signatures_only", arguments.signatures_only},
      {"gallery_build_seconds", build_seconds},
      {"gallery_memory_bytes", gallery.MemoryBytes()},
      {"gallery_bytes_per_template", static_cast<double>(gallery.UsedBytes()) / n},
      {"cylinders_per_template", static_cast<double>(gallery.CylinderCount()) / n},
      {"process_resident_bytes", resident_bytes},
      {"process_peak_resident_bytes", peak_resident_bytes},
      {"stage1_scan_seconds_per_probe", scan_seconds / probes},
      {"mate_in_shortlist_rate", hit_rates},
      {"penetration", arguments.penetration},
  };

  if (arguments.cylinder_lsh) {
    CylinderLshIndex index;
    const auto index_start = Clock::now();
    index.Build(lsh_keys);
    const double index_seconds = SecondsSince(index_start);
    std::size_t key_bytes = 0;
    for (const CylinderLshKeys& keys : lsh_keys) key_bytes += keys.keys.size() * sizeof(std::uint32_t);
    lsh_keys = {};
    std::array<std::size_t, kReportedPenetrations.size()> lsh_hits{};
    std::array<std::size_t, kRankedPenetrations.size()> lsh_rank1{}, bloom_rank1{};
    double query_seconds = 0, stage2_seconds = 0;
    const std::size_t search_probes = arguments.search_probes == 0 ? probes : std::min(probes, arguments.search_probes);
    PhaseProgress lsh_progress("cylinder-LSH stage 1 (probes)", probes);
    for (std::size_t p = 0; p < probes; ++p) {
      lsh_progress.Update(p);
      const CylinderLshKeys probe_keys = BuildCylinderLshKeys(probe_templates[p].cylinders);
      const auto start = Clock::now();
      const std::vector<CylinderLshIndex::Scored> shortlist = index.Query(probe_keys, widest).value();
      query_seconds += SecondsSince(start);
      for (std::size_t r = 0; r < shortlist.size(); ++r) {
        if (static_cast<std::int64_t>(shortlist[r].slot) != mates[p]) continue;  // slot = id here
        for (std::size_t k = 0; k < kReportedPenetrations.size(); ++k) {
          lsh_hits[k] += r < ShortlistSize(kReportedPenetrations[k], n);
        }
        break;
      }
      if (p >= search_probes || arguments.signatures_only) continue;
      const std::vector<PreselectedReference> bloom =
          gallery.Preselect(probe_templates[p].signature, ShortlistSize(kRankedPenetrations.back(), n));
      for (std::size_t k = 0; k < kRankedPenetrations.size(); ++k) {
        const std::size_t keep = ShortlistSize(kRankedPenetrations[k], n);
        std::vector<std::int64_t> ids;
        for (std::size_t r = 0; r < shortlist.size() && r < keep; ++r) ids.push_back(shortlist[r].slot);
        const auto stage2_start = Clock::now();
        // An in-memory gallery: nothing is read back, so no search fails.
        const std::vector<Candidate> best = gallery.SearchShortlist(probe_templates[p], ids, 1).value();
        stage2_seconds += SecondsSince(stage2_start);
        lsh_rank1[k] += !best.empty() && best[0].reference_id == mates[p];
        ids.clear();
        for (std::size_t r = 0; r < bloom.size() && r < keep; ++r) ids.push_back(bloom[r].reference_id);
        const std::vector<Candidate> bloom_best = gallery.SearchShortlist(probe_templates[p], ids, 1).value();
        bloom_rank1[k] += !bloom_best.empty() && bloom_best[0].reference_id == mates[p];
      }
    }
    lsh_progress.Finish();
    nlohmann::json lsh_rates = nlohmann::json::object(), lsh_ranked = nlohmann::json::object(),
                   bloom_ranked = nlohmann::json::object();
    for (std::size_t k = 0; k < kReportedPenetrations.size(); ++k) {
      lsh_rates[std::to_string(kReportedPenetrations[k])] = static_cast<double>(lsh_hits[k]) / probes;
    }
    const double ranked_probes = static_cast<double>(arguments.signatures_only ? 0 : search_probes);
    for (std::size_t k = 0; k < kRankedPenetrations.size() && ranked_probes > 0; ++k) {
      lsh_ranked[std::to_string(kRankedPenetrations[k])] = static_cast<double>(lsh_rank1[k]) / ranked_probes;
      bloom_ranked[std::to_string(kRankedPenetrations[k])] = static_cast<double>(bloom_rank1[k]) / ranked_probes;
    }
    result["cylinder_lsh"] = {
        {"key_seconds_per_template", lsh_key_seconds / static_cast<double>(n)},
        {"index_build_seconds", index_seconds},
        {"index_memory_bytes", index.MemoryBytes()},
        {"index_bytes_per_template", static_cast<double>(index.MemoryBytes()) / static_cast<double>(n)},
        {"key_bytes_per_template", static_cast<double>(key_bytes) / static_cast<double>(n)},
        {"stage1_seconds_per_probe", query_seconds / static_cast<double>(probes)},
        {"mate_in_shortlist_rate", lsh_rates},
        {"ranked_probes", ranked_probes},
        {"rank1_rate_preselected", lsh_ranked},
        {"rank1_rate_preselected_signature", bloom_ranked},
        {"stage2_seconds_per_probe_all_penetrations", ranked_probes > 0 ? stage2_seconds / ranked_probes : 0.0},
    };
  }

  // Stage 1 + stage 2 at the chosen penetration.
  const std::size_t keep = std::max<std::size_t>(100, ShortlistSize(arguments.penetration, n));
  const std::size_t search_probes = arguments.search_probes == 0 ? probes : std::min(probes, arguments.search_probes);
  std::size_t preselected_hits = 0;
  double search_seconds = 0, regenerate_seconds = 0;
  PhaseProgress search_progress("two-stage searches (probes)", search_probes);
  for (std::size_t p = 0; p < search_probes; ++p) {
    search_progress.Update(p);
    const auto start = Clock::now();
    std::int64_t best = -1;
    if (!arguments.signatures_only) {
      const std::vector<Candidate> candidates =
          gallery.SearchPrepared(probe_templates[p], 1, arguments.penetration, 100).value();
      if (!candidates.empty()) best = candidates[0].reference_id;
    } else {
      // Stage 2 on templates regenerated on demand (the gallery holds signatures only).
      const std::vector<PreselectedReference> shortlist = gallery.Preselect(probe_templates[p].signature, keep);
      std::vector<PreparedFingerTemplate> regenerated(shortlist.size());
      const auto regenerate_start = Clock::now();
      ParallelFor(shortlist.size(), [&](std::size_t s) {
        regenerated[s] = PrepareFingerTemplate(SyntheticSample(static_cast<std::size_t>(shortlist[s].reference_id), 0));
      });
      regenerate_seconds += SecondsSince(regenerate_start);
      std::vector<double> scores(shortlist.size());
      ParallelFor(shortlist.size(), [&](std::size_t s) {
        scores[s] = CompareMcc(probe_templates[p].cylinders, regenerated[s].cylinders).score;
      });
      double best_score = -1;
      for (std::size_t s = 0; s < shortlist.size(); ++s) {
        if (scores[s] > best_score) best_score = scores[s], best = shortlist[s].reference_id;
      }
    }
    search_seconds += SecondsSince(start);
    preselected_hits += best == mates[p];
  }
  search_progress.Finish();
  result["shortlist_size"] = std::min(keep, n);
  result["search_probes"] = search_probes;
  result["search_seconds_per_probe"] = search_seconds / static_cast<double>(search_probes);
  result["rank1_rate_preselected"] = static_cast<double>(preselected_hits) / static_cast<double>(search_probes);
  if (arguments.signatures_only) {
    result["template_regeneration_seconds_per_probe"] = regenerate_seconds / static_cast<double>(search_probes);
    result["search_seconds_per_probe_without_regeneration"] =
        (search_seconds - regenerate_seconds) / static_cast<double>(search_probes);
  }
  if (!arguments.signatures_only && n <= arguments.exhaustive_limit) {
    const std::size_t exhaustive_probes =
        arguments.exhaustive_probes == 0 ? probes : std::min(probes, arguments.exhaustive_probes);
    std::size_t exhaustive_hits = 0;
    const auto start = Clock::now();
    PhaseProgress progress("exhaustive searches (probes)", exhaustive_probes);
    for (std::size_t p = 0; p < exhaustive_probes; ++p) {
      progress.Update(p);
      const std::vector<Candidate> candidates = gallery.SearchPrepared(probe_templates[p], 1, 1.0, n).value();
      exhaustive_hits += !candidates.empty() && candidates[0].reference_id == mates[p];
    }
    result["exhaustive_probes"] = exhaustive_probes;
    result["exhaustive_search_seconds_per_probe"] = SecondsSince(start) / static_cast<double>(exhaustive_probes);
    result["rank1_rate_exhaustive"] = static_cast<double>(exhaustive_hits) / exhaustive_probes;
  }
  if (arguments.impostor_sample > 0) {
    // Exhaustive rank-1 estimated from a sample: every probe is compared (full MCC) with its mate
    // and with the same random sample of gallery fingers; q = share of sampled non-mates scoring at
    // least the mate; P(rank 1 among n) ~ (1 - q)^(n - 1), averaged over probes. Assumes the
    // sample represents the whole gallery's impostor tail; resolution is 1 / sample.
    const std::size_t sample = std::min(arguments.impostor_sample, n);
    std::vector<std::size_t> fingers(sample);
    std::uint64_t state = 0x1A2B3C4Dull;
    for (std::size_t i = 0; i < sample; ++i) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      fingers[i] = static_cast<std::size_t>((state >> 17) % n);
    }
    std::vector<PreparedFingerTemplate> impostors(sample);
    ParallelFor(sample, [&](std::size_t i) { impostors[i] = PrepareFingerTemplate(SyntheticSample(fingers[i], 0)); });
    double estimate = 0;
    std::size_t probes_never_beaten = 0;
    PhaseProgress progress("sampled impostor comparisons (probes)", probes);
    for (std::size_t p = 0; p < probes; ++p) {
      progress.Update(p);
      const PreparedFingerTemplate mate_template =
          PrepareFingerTemplate(SyntheticSample(static_cast<std::size_t>(mates[p]), 0));
      const double mate = CompareMcc(probe_templates[p].cylinders, mate_template.cylinders).score;
      std::atomic<std::size_t> beaten{0}, compared{0};
      ParallelFor(sample, [&](std::size_t i) {
        if (static_cast<std::int64_t>(fingers[i]) == mates[p]) return;
        ++compared;
        if (CompareMcc(probe_templates[p].cylinders, impostors[i].cylinders).score >= mate) ++beaten;
      });
      const double q = static_cast<double>(beaten) / static_cast<double>(std::max<std::size_t>(1, compared));
      probes_never_beaten += beaten == 0;
      estimate += std::pow(1 - q, static_cast<double>(n - 1));
    }
    result["impostor_sample"] = sample;
    result["rank1_rate_exhaustive_estimated"] = estimate / static_cast<double>(probes);
    result["probes_whose_mate_beat_every_sampled_impostor"] = probes_never_beaten;
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
  std::vector<CylinderLshKeys> lsh_keys;
  for (const PreparedFingerTemplate& prepared : templates) lsh_keys.push_back(BuildCylinderLshKeys(prepared.cylinders));
  CylinderLshIndex lsh_index;
  lsh_index.Build(lsh_keys);
  std::array<std::size_t, kReportedPenetrations.size()> lsh_in_shortlist{};
  const std::size_t keep = std::max<std::size_t>(1, static_cast<std::size_t>(penetration * (templates.size() - 1)));
  std::size_t hits = 0, exhaustive_rank1 = 0, preselected_rank1 = 0;
  std::array<std::size_t, kReportedPenetrations.size()> mate_in_shortlist{};
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
    for (std::size_t r = 0; r < ranked.size(); ++r) {
      if (identities[ranked[r].second] != identities[p]) continue;
      for (std::size_t k = 0; k < kReportedPenetrations.size(); ++k) {
        const std::size_t shortlist = std::max<std::size_t>(
            1, static_cast<std::size_t>(kReportedPenetrations[k] * static_cast<double>(templates.size() - 1)));
        mate_in_shortlist[k] += r < shortlist;
      }
      break;
    }
    {
      std::size_t rank = 0;
      const std::vector<CylinderLshIndex::Scored> lsh_ranked = lsh_index.Query(lsh_keys[p], templates.size()).value();
      for (const CylinderLshIndex::Scored& scored : lsh_ranked) {
        if (scored.slot == p) continue;
        if (identities[scored.slot] == identities[p]) {
          for (std::size_t k = 0; k < kReportedPenetrations.size(); ++k) {
            const std::size_t shortlist = std::max<std::size_t>(
                1, static_cast<std::size_t>(kReportedPenetrations[k] * static_cast<double>(templates.size() - 1)));
            lsh_in_shortlist[k] += rank < shortlist;
          }
          break;
        }
        ++rank;
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
  nlohmann::json hit_rates = nlohmann::json::object(), lsh_rates = nlohmann::json::object();
  for (std::size_t k = 0; k < kReportedPenetrations.size(); ++k) {
    hit_rates[std::to_string(kReportedPenetrations[k])] = static_cast<double>(mate_in_shortlist[k]) / n;
    lsh_rates[std::to_string(kReportedPenetrations[k])] = static_cast<double>(lsh_in_shortlist[k]) / n;
  }
  return nlohmann::json{{"templates", templates.size()},
                        {"cylinder_lsh_mate_in_shortlist_rate_by_penetration", lsh_rates},
                        {"mate_in_shortlist_rate_by_penetration", hit_rates},
                        {"penetration", penetration},
                        {"shortlist", keep},
                        {"mate_in_shortlist_rate", hits / n},
                        {"rank1_rate_exhaustive", exhaustive_rank1 / n},
                        {"rank1_rate_preselected", preselected_rank1 / n}};
}

void RunBenchFinger(const BenchFingerArguments& arguments, CliGlobals& globals) {
  if (arguments.gallery_size == 0 || arguments.gallery_size > 10'000'000 ||
      !(arguments.penetration > 0 && arguments.penetration <= 1)) {
    ReportError(globals, Status::InvalidArgument("--gallery-size must be in [1, 10^7] and --penetration in (0, 1]"));
    return;
  }
  nlohmann::json result = arguments.skip_one_to_one ? nlohmann::json::object() : OneToOneSpeed();
  auto one_to_many = OneToManySpeed(arguments);
  if (!one_to_many.ok()) {
    ReportError(globals, one_to_many.status());
    return;
  }
  result["one_to_many"] = one_to_many.value();
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
  command->add_option("--search-probes", arguments->search_probes,
                      "Probes for the two-stage search timing and rank-1 (0 = all of --probes)");
  command->add_option("--impostor-sample", arguments->impostor_sample,
                      "Estimate exhaustive rank-1 from full comparisons with this many sampled non-mates");
  command->add_option("--exhaustive-probes", arguments->exhaustive_probes,
                      "Probes searched exhaustively (0 = all of --probes)");
  command->add_flag("--signatures-only", arguments->signatures_only,
                    "Gallery keeps signatures only; stage 2 runs on templates regenerated on demand (1M scale)");
  command->add_flag("--cylinder-lsh", arguments->cylinder_lsh,
                    "Also measure the cylinder-LSH stage 1 (hit rates, rank-1 at 0.5/1/2 %, time, memory)");
  command->add_flag("--skip-one-to-one", arguments->skip_one_to_one, "Do not time the 1:1 stages");
  command->add_option("--fvc-root", arguments->fvc_root,
                      "Folder of FVC DB folders: measure pre-selection on their pooled .iso templates");
  command->callback([arguments, &globals] { RunBenchFinger(*arguments, globals); });
}

}  // namespace abis::finger::internal
