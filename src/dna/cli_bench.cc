// `abis bench dna`: 1:N search speed of StrGallery over a synthetic gallery whose genotypes are
// drawn from a population's allele frequencies (Hardy-Weinberg), 20 CODIS core loci.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include "abis/dna/locus.h"
#include "abis/dna/str_gallery.h"
#include "cli_internal.h"

namespace abis::dna::internal {
namespace {

struct BenchArgs {
  std::size_t profiles = 1'000'000;
  std::size_t queries = 200;
  std::size_t threads = 2;
  std::size_t min_loci = 8;
  std::string stringency = "moderate";
  std::string freq, population = "Caucasian";
  std::uint64_t seed = 1;
};

double ResidentMegabytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0.0;
}

// Draws genotypes of one population: per core locus, its alleles and a sampler.
class GenotypeSampler {
 public:
  explicit GenotypeSampler(const PopulationFrequencies& population) {
    for (std::string_view locus : CodisCoreLoci()) {
      auto it = population.loci().find(std::string(locus));
      if (it == population.loci().end()) continue;
      Locus entry;
      entry.name = std::string(locus);
      std::vector<double> weights;
      for (const auto& [text, frequency] : it->second.frequency_by_allele) {
        auto allele = Allele::Parse(text);
        if (!allele.ok()) continue;
        entry.alleles.push_back(std::move(allele).value());
        weights.push_back(frequency);
      }
      entry.sampler = std::discrete_distribution<std::size_t>(weights.begin(), weights.end());
      loci_.push_back(std::move(entry));
    }
  }
  std::size_t loci() const { return loci_.size(); }

  StrProfile Draw(std::mt19937_64& random) {
    StrProfile profile;
    for (Locus& locus : loci_) {
      LocusGenotype genotype;
      genotype.alleles = {locus.alleles[locus.sampler(random)], locus.alleles[locus.sampler(random)]};
      std::sort(genotype.alleles.begin(), genotype.alleles.end());
      profile.loci.emplace(locus.name, std::move(genotype));
    }
    return profile;
  }

 private:
  struct Locus {
    std::string name;
    std::vector<Allele> alleles;
    std::discrete_distribution<std::size_t> sampler;
  };
  std::vector<Locus> loci_;
};

struct QueryStats {
  std::vector<double> milliseconds;
  double touched_fraction_sum = 0.0;
  std::size_t with_hits = 0;

  nlohmann::json ToJson() const {
    std::vector<double> sorted = milliseconds;
    std::sort(sorted.begin(), sorted.end());
    auto at = [&](double q) { return sorted.empty() ? 0.0 : sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1))]; };
    double sum = 0.0;
    for (double value : sorted) sum += value;
    const double count = static_cast<double>(std::max<std::size_t>(1, sorted.size()));
    return {{"queries", sorted.size()}, {"mean_ms", sum / count}, {"p50_ms", at(0.5)}, {"p95_ms", at(0.95)},
            {"max_ms", sorted.empty() ? 0.0 : sorted.back()}, {"mean_fraction_touched", touched_fraction_sum / count},
            {"queries_with_hits", with_hits}};
  }
};

void RunBench(const BenchArgs& args, CliGlobals& globals) {
  auto stringency = ParseMatchStringency(args.stringency);
  if (!stringency.ok()) return ReportError(globals, stringency.status());
  if (args.profiles == 0 || args.profiles > 200'000'000) {
    return ReportError(globals, Status::InvalidArgument("--profiles must be in 1..200000000"));
  }
  auto table = LoadFrequencyTable(args.freq);
  if (!table.ok()) return ReportError(globals, table.status());
  auto population = table->Population(args.population);
  if (!population.ok()) return ReportError(globals, population.status());
  GenotypeSampler sampler(**population);
  std::mt19937_64 random(args.seed);

  StrGalleryOptions options;
  options.criteria = {*stringency, args.min_loci, 0};
  options.search_threads = args.threads;
  StrGallery gallery(options);
  gallery.Reserve(args.profiles);
  const double rss_before = ResidentMegabytes();
  const auto build_start = std::chrono::steady_clock::now();
  std::vector<StrProfile> kept;  // a sample of enrolled profiles to search for
  const std::size_t keep_every = std::max<std::size_t>(1, args.profiles / std::max<std::size_t>(1, args.queries));
  for (std::size_t i = 0; i < args.profiles; ++i) {
    StrProfile profile = sampler.Draw(random);
    Status added = gallery.Add(static_cast<std::int64_t>(i), profile);
    if (!added.ok()) return ReportError(globals, added);
    if (i % keep_every == 0 && kept.size() < args.queries) kept.push_back(std::move(profile));
  }
  const double build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - build_start).count();
  const double rss_after = ResidentMegabytes();

  auto run = [&](const StrProfile& probe, QueryStats& stats) -> Status {
    StrSearchStats search_stats;
    const auto start = std::chrono::steady_clock::now();
    auto hits = gallery.Search(probe, &search_stats);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!hits.ok()) return hits.status();
    stats.milliseconds.push_back(ms);
    stats.touched_fraction_sum += static_cast<double>(search_stats.candidates_verified) / static_cast<double>(search_stats.profiles);
    if (!hits->empty()) ++stats.with_hits;
    return Status::Ok();
  };
  QueryStats enrolled, partial, fresh;
  for (const StrProfile& probe : kept) {
    if (Status s = run(probe, enrolled); !s.ok()) return ReportError(globals, s);
    // A partial crime-scene profile: the first `min_loci` loci of a random order.
    std::vector<std::string> names;
    for (const auto& [name, genotype] : probe.loci) names.push_back(name);
    std::shuffle(names.begin(), names.end(), random);
    StrProfile reduced;
    for (std::size_t i = 0; i < std::min(args.min_loci, names.size()); ++i) reduced.loci.emplace(names[i], probe.loci.at(names[i]));
    if (Status s = run(reduced, partial); !s.ok()) return ReportError(globals, s);
    if (Status s = run(sampler.Draw(random), fresh); !s.ok()) return ReportError(globals, s);
  }
  nlohmann::json result = {{"profiles", args.profiles},
                           {"loci", sampler.loci()},
                           {"population", args.population},
                           {"stringency", MatchStringencyName(*stringency)},
                           {"min_loci", args.min_loci},
                           {"threads", args.threads},
                           {"hardware_threads", std::thread::hardware_concurrency()},
                           {"build_seconds", build_seconds},
                           {"gallery_rss_mb", rss_after - rss_before},
                           {"enrolled_probe", enrolled.ToJson()},
                           {"partial_probe", partial.ToJson()},
                           {"unrelated_probe", fresh.ToJson()}};
  PrintResult(globals, result, [&](std::ostream& out) {
    out << "DNA 1:N over " << args.profiles << " profiles (" << sampler.loci() << " loci, " << MatchStringencyName(*stringency)
        << "), built in " << build_seconds << " s, +" << rss_after - rss_before << " MB\n"
        << "  enrolled probe: " << result["enrolled_probe"].dump() << "\n"
        << "  partial probe (" << args.min_loci << " loci): " << result["partial_probe"].dump() << "\n"
        << "  unrelated probe: " << result["unrelated_probe"].dump() << "\n";
  });
}

}  // namespace

void AddBenchDnaCommand(CLI::App& bench, CliGlobals& globals) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* command = bench.add_subcommand("dna", "1:N DNA search speed over a synthetic gallery");
  command->add_option("--profiles", args->profiles, "Gallery size")->capture_default_str();
  command->add_option("--queries", args->queries, "Probes of each kind")->capture_default_str();
  command->add_option("--threads", args->threads, "Verification threads")->capture_default_str();
  command->add_option("--min-loci", args->min_loci, "Minimum loci compared (and partial-probe size)")->capture_default_str();
  command->add_option("--stringency", args->stringency, "high, moderate or low")->capture_default_str();
  command->add_option("--freq", args->freq, "Allele frequency table (default: shipped)");
  command->add_option("--population", args->population, "Population to draw genotypes from")->capture_default_str();
  command->add_option("--seed", args->seed, "Random seed")->capture_default_str();
  command->callback([args, &globals] { RunBench(*args, globals); });
}

}  // namespace abis::dna::internal
