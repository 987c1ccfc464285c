// `abis eval dna`: accuracy on real genotypes (NIST 1036 U.S. individuals, Steffen et al. 2017):
// adventitious matches between unrelated people at reduced locus counts, the identity-LR
// threshold against its false-match bound, kinship LR distributions for relatives simulated by
// Mendelian drop from real founders, and remains identification by pedigree ranking.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>

#include "abis/core/evaluation_plots.h"
#include "abis/core/paths.h"
#include "abis/dna/dna_engine.h"
#include "abis/dna/kinship.h"
#include "abis/dna/locus.h"
#include "abis/dna/profile_io.h"
#include "abis/dna/remains_identification.h"
#include "cli_internal.h"

namespace abis::dna::internal {
namespace {

struct EvalArgs {
  std::string genotypes, freq;
  std::string plot_dir;  // empty: no plots
  std::size_t pairs = 500;
  std::size_t families = 100;
  double mutation_rate = 0.002;
  std::uint64_t seed = 7;
};

// NIST 1036 population labels -> FBI 2015 populations of the shipped table.
std::string FbiPopulation(const std::string& nist) {
  if (nist == "AfAm") return "African American";
  if (nist == "Cauc") return "Caucasian";
  if (nist == "Hisp") return "SW Hispanic";
  if (nist == "Asian") return "Filipino";
  return "Caucasian";
}

StrProfile CoreOnly(const StrProfile& profile, std::size_t first_k) {
  StrProfile reduced;
  auto core = CodisCoreLoci();
  for (std::size_t i = 0; i < std::min(first_k, core.size()); ++i) {
    auto it = profile.loci.find(std::string(core[i]));
    if (it != profile.loci.end()) reduced.loci.insert(*it);
  }
  return reduced;
}

// One allele passed from parent to child, with stepwise mutation at `rate` (±1 repeat).
std::optional<Allele> Transmit(const LocusGenotype& parent, double rate, std::mt19937_64& random, std::size_t* mutations) {
  const Allele& chosen = parent.alleles[std::uniform_int_distribution<std::size_t>(0, parent.alleles.size() - 1)(random)];
  if (rate > 0.0 && chosen.tenths() && std::bernoulli_distribution(rate)(random)) {
    const int tenths = *chosen.tenths() + (std::bernoulli_distribution(0.5)(random) ? 10 : -10);
    if (tenths >= 10) {
      std::string text = std::to_string(tenths / 10) + (tenths % 10 ? "." + std::to_string(tenths % 10) : "");
      auto mutated = Allele::Parse(text);
      if (mutated.ok()) {
        ++*mutations;
        return std::move(mutated).value();
      }
    }
  }
  return chosen;
}

StrProfile Child(const StrProfile& mother, const StrProfile& father, double rate, std::mt19937_64& random,
                 std::size_t* mutations) {
  StrProfile child;
  for (const auto& [locus, maternal] : mother.loci) {
    if (locus == kAmelogenin) continue;
    auto paternal = father.loci.find(locus);
    if (paternal == father.loci.end() || maternal.alleles.size() != 2 || paternal->second.alleles.size() != 2) continue;
    LocusGenotype genotype;
    genotype.alleles = {*Transmit(maternal, rate, random, mutations), *Transmit(paternal->second, rate, random, mutations)};
    std::sort(genotype.alleles.begin(), genotype.alleles.end());
    child.loci.emplace(locus, std::move(genotype));
  }
  return child;
}

struct LrSummary {
  std::vector<double> log10_lrs;
  nlohmann::json ToJson() const {
    std::vector<double> sorted = log10_lrs;
    std::sort(sorted.begin(), sorted.end());
    auto at = [&](double q) { return sorted.empty() ? 0.0 : sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1))]; };
    std::size_t above_0 = 0, above_2 = 0, above_4 = 0;
    double mean_lr = 0.0;
    for (double value : sorted) {
      above_0 += value > 0.0;
      above_2 += value > 2.0;
      above_4 += value > 4.0;
      mean_lr += std::pow(10.0, value);
    }
    const double n = static_cast<double>(std::max<std::size_t>(1, sorted.size()));
    return {{"pairs", sorted.size()},
            {"log10_lr_p5", at(0.05)},
            {"log10_lr_median", at(0.5)},
            {"log10_lr_p95", at(0.95)},
            {"fraction_lr_gt_1", static_cast<double>(above_0) / n},
            {"fraction_lr_gt_100", static_cast<double>(above_2) / n},
            {"fraction_lr_gt_10000", static_cast<double>(above_4) / n},
            {"mean_lr", JsonNumber(mean_lr / n)}};
  }
};

// The log10 LRs of true relatives and unrelated pairs for one relationship, kept for the plots.
struct KinshipScores {
  std::string relationship;
  std::vector<double> related, unrelated;
};

Status WriteSvg(const std::filesystem::path& path, const Result<std::string>& svg, nlohmann::json& written) {
  if (!svg.ok()) return svg.status().WithContext("eval dna: " + path.string());
  std::ofstream out(path);
  out << *svg;
  if (!out) return Status::IoError("eval dna: cannot write " + path.string());
  written.push_back(path.string());
  return Status::Ok();
}

// --plot-dir: kinship_det.svg (one DET curve per relationship: true relatives as genuine, unrelated
// pairs as impostor, log10 LR as the score), kinship_histogram_<relationship>.svg, and
// remains_cmc.svg (rank of the true missing person among all candidates).
Status WritePlots(const std::filesystem::path& dir, const std::vector<KinshipScores>& kinship,
                  const std::vector<CmcCurve>& remains, nlohmann::json& written) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError("eval dna: --plot-dir " + dir.string() + ": " + ec.message());
  std::vector<DetCurve> curves;
  for (const KinshipScores& scores : kinship) {
    ABIS_ASSIGN_OR_RETURN(std::vector<DetPoint> points,
                          DetPointsFromScores(scores.related, scores.unrelated, "eval dna " + scores.relationship));
    curves.push_back({scores.relationship, std::move(points), -1});
  }
  DetPlotOptions det_options;
  det_options.max_rate = 0.95;  // distant relatives are poorly separated: keep their high FNMR visible
  ABIS_RETURN_IF_ERROR(WriteSvg(dir / "kinship_det.svg",
                                RenderDetSvg(curves, "DET of kinship log10 LR, simulated relatives vs unrelated pairs",
                                             det_options),
                                written));
  for (const KinshipScores& scores : kinship) {
    // An LR of 0 (an exclusion) has no logarithm to draw: counted in the title instead.
    std::vector<double> related, unrelated;
    std::copy_if(scores.related.begin(), scores.related.end(), std::back_inserter(related),
                 [](double v) { return std::isfinite(v); });
    std::copy_if(scores.unrelated.begin(), scores.unrelated.end(), std::back_inserter(unrelated),
                 [](double v) { return std::isfinite(v); });
    const std::size_t excluded = scores.related.size() + scores.unrelated.size() - related.size() - unrelated.size();
    HistogramOptions options;
    options.score_label = "log10 LR (" + scores.relationship + ")";
    options.genuine_label = "true " + scores.relationship;
    options.impostor_label = "unrelated";
    std::string title = "Kinship log10 LR, " + scores.relationship;
    if (excluded) title += " (" + std::to_string(excluded) + " pairs with LR 0 not shown)";
    ABIS_RETURN_IF_ERROR(WriteSvg(dir / ("kinship_histogram_" + scores.relationship + ".svg"),
                                  RenderScoreHistogramSvg(related, unrelated, title, options), written));
  }
  return WriteSvg(dir / "remains_cmc.svg",
                  RenderCmcSvg(remains, "CMC of remains identification (rank of the true missing person)"), written);
}

void RunEval(const EvalArgs& args, CliGlobals& globals) {
  const std::string path = args.genotypes.empty() ? (SharedDataDir() / "dna" / "nist1036_genotypes.csv").string() : args.genotypes;
  auto people = LoadProfileCollectionFile(path);
  if (!people.ok()) return ReportError(globals, people.status());
  auto table = LoadFrequencyTable(args.freq);
  if (!table.ok()) return ReportError(globals, table.status());
  std::vector<const PopulationFrequencies*> population_of;
  for (const NamedProfile& person : *people) {
    auto population = table->Population(FbiPopulation(person.population));
    if (!population.ok()) return ReportError(globals, population.status());
    population_of.push_back(*population);
  }
  const std::size_t n = people->size();
  nlohmann::json result = {{"genotypes", path}, {"individuals", n}};

  // 1. Adventitious matches among all unrelated pairs, using the first k core loci.
  //    Codes per core locus make each comparison a few integer tests.
  auto core = CodisCoreLoci();
  std::vector<std::vector<int>> code(n, std::vector<int>(core.size(), -1));
  {
    std::vector<std::map<std::string, int>> dictionary(core.size());
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t l = 0; l < core.size(); ++l) {
        auto it = (*people)[i].profile.loci.find(std::string(core[l]));
        if (it == (*people)[i].profile.loci.end()) continue;
        auto [entry, inserted] = dictionary[l].emplace(it->second.Key(), static_cast<int>(dictionary[l].size()));
        code[i][l] = entry->second;
      }
    }
  }
  const std::vector<std::size_t> locus_counts = {4, 5, 6, 7, 8, 10, 13, 20};
  std::map<std::size_t, std::size_t> matches_at;
  std::vector<std::size_t> pairs_by_shared_loci(core.size() + 1, 0);
  std::size_t pairs = 0;
  std::vector<std::pair<std::size_t, std::size_t>> six_locus_matches;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      ++pairs;
      std::size_t shared = 0;
      for (std::size_t l = 0; l < core.size(); ++l) shared += code[i][l] >= 0 && code[i][l] == code[j][l];
      ++pairs_by_shared_loci[shared];
      for (std::size_t k : locus_counts) {
        bool all = true;
        std::size_t compared = 0;
        for (std::size_t l = 0; l < k && all; ++l) {
          if (code[i][l] < 0 || code[j][l] < 0) continue;
          ++compared;
          all = code[i][l] == code[j][l];
        }
        if (all && compared == k) {
          ++matches_at[k];
          if (k == 6) six_locus_matches.emplace_back(i, j);
        }
      }
    }
  }
  nlohmann::json adventitious = nlohmann::json::object();
  for (std::size_t k : locus_counts) {
    adventitious[std::to_string(k)] = {{"matching_pairs", matches_at[k]},
                                       {"rate", static_cast<double>(matches_at[k]) / static_cast<double>(pairs)}};
  }
  nlohmann::json shared_histogram = nlohmann::json::object();
  for (std::size_t s = 0; s < pairs_by_shared_loci.size(); ++s) {
    if (pairs_by_shared_loci[s]) shared_histogram[std::to_string(s)] = pairs_by_shared_loci[s];
  }
  result["unrelated_pairs"] = pairs;
  result["adventitious_high_stringency_matches_first_k_core_loci"] = adventitious;
  result["pairs_by_identical_core_loci_of_20"] = shared_histogram;

  // 2. Identity log-LR against the ln(1/f) threshold, on 4- and 6-locus profiles, where chance
  //    matches occur: the observed rate must stay below the Turing bound f.
  MatchProbabilityOptions probability;
  nlohmann::json calibration = nlohmann::json::object();
  for (std::size_t k : {std::size_t{4}, std::size_t{6}}) {
    std::vector<double> matching_log_lrs;
    for (std::size_t i = 0; i < n; ++i) {
      const StrProfile a = CoreOnly((*people)[i].profile, k);
      for (std::size_t j = i + 1; j < n; ++j) {
        bool all = true;
        for (std::size_t l = 0; l < k && all; ++l) all = code[i][l] < 0 || code[j][l] < 0 || code[i][l] == code[j][l];
        if (!all) continue;
        auto score = ScoreIdentity(a, CoreOnly((*people)[j].profile, k), MatchStringency::kHigh, *population_of[i], probability);
        if (score.ok() && !score->excluded && score->comparison.loci_compared == k) matching_log_lrs.push_back(score->log_lr);
      }
    }
    nlohmann::json rates = nlohmann::json::object();
    for (double f : {1e-2, 1e-3, 1e-4, 1e-5}) {
      const double threshold = std::log(1.0 / f);
      const auto above = std::count_if(matching_log_lrs.begin(), matching_log_lrs.end(), [&](double v) { return v >= threshold; });
      rates[std::to_string(f)] = {{"threshold_ln_lr", threshold},
                                  {"observed_false_match_rate", static_cast<double>(above) / static_cast<double>(pairs)}};
    }
    calibration[std::to_string(k) + "_loci"] = rates;
  }
  result["identity_threshold_check"] = calibration;

  // 3. Kinship LRs for relatives simulated from real founders versus real unrelated pairs.
  std::mt19937_64 random(args.seed);
  std::uniform_int_distribution<std::size_t> pick(0, n - 1);
  auto distinct = [&](std::size_t count) {
    std::vector<std::size_t> chosen;
    while (chosen.size() < count) {
      std::size_t c = pick(random);
      if (std::find(chosen.begin(), chosen.end(), c) == chosen.end()) chosen.push_back(c);
    }
    return chosen;
  };
  KinshipOptions kinship;
  kinship.mutation.rate = args.mutation_rate;
  nlohmann::json kinship_results = nlohmann::json::object();
  std::vector<KinshipScores> kinship_scores;
  std::size_t simulated_mutations = 0;
  for (Relationship relationship : {Relationship::kParentChild, Relationship::kFullSibling, Relationship::kHalfSibling,
                                    Relationship::kFirstCousin}) {
    LrSummary related, unrelated;
    for (std::size_t trial = 0; trial < args.pairs; ++trial) {
      const auto f = distinct(6);
      const StrProfile& p0 = (*people)[f[0]].profile;
      const StrProfile& p1 = (*people)[f[1]].profile;
      StrProfile a, b;
      switch (relationship) {
        case Relationship::kParentChild:
          a = p0;
          b = Child(p0, p1, args.mutation_rate, random, &simulated_mutations);
          break;
        case Relationship::kFullSibling:
          a = Child(p0, p1, args.mutation_rate, random, &simulated_mutations);
          b = Child(p0, p1, args.mutation_rate, random, &simulated_mutations);
          break;
        case Relationship::kHalfSibling:
          a = Child(p0, p1, args.mutation_rate, random, &simulated_mutations);
          b = Child(p0, (*people)[f[2]].profile, args.mutation_rate, random, &simulated_mutations);
          break;
        default: {
          const StrProfile s1 = Child(p0, p1, args.mutation_rate, random, &simulated_mutations);
          const StrProfile s2 = Child(p0, p1, args.mutation_rate, random, &simulated_mutations);
          a = Child(s1, (*people)[f[2]].profile, args.mutation_rate, random, &simulated_mutations);
          b = Child(s2, (*people)[f[3]].profile, args.mutation_rate, random, &simulated_mutations);
        }
      }
      auto true_lr = ComputeKinship(a, b, relationship, *population_of[f[0]], kinship);
      if (true_lr.ok()) related.log10_lrs.push_back(true_lr->log10_lr);
      auto false_lr = ComputeKinship((*people)[f[4]].profile, (*people)[f[5]].profile, relationship, *population_of[f[4]], kinship);
      if (false_lr.ok()) unrelated.log10_lrs.push_back(false_lr->log10_lr);
    }
    kinship_results[std::string(RelationshipName(relationship))] = {{"true_relatives", related.ToJson()},
                                                                    {"unrelated_pairs", unrelated.ToJson()}};
    kinship_scores.push_back({std::string(RelationshipName(relationship)), related.log10_lrs, unrelated.log10_lrs});
  }
  result["kinship"] = kinship_results;
  result["kinship_simulated_mutations"] = simulated_mutations;

  // 4. Remains identification: families (two founder parents, their child = the missing
  //    person, a second child = a sibling reference); remains = the missing person's profile.
  const std::size_t families = std::min(args.families, n / 2);
  const auto founders = distinct(2 * families);
  std::vector<StrProfile> missing, sibling;
  std::vector<ReferenceRelative> trio_references, sibling_references;
  for (std::size_t family = 0; family < families; ++family) {
    const StrProfile& mother = (*people)[founders[2 * family]].profile;
    const StrProfile& father = (*people)[founders[2 * family + 1]].profile;
    missing.push_back(Child(mother, father, args.mutation_rate, random, &simulated_mutations));
    sibling.push_back(Child(mother, father, args.mutation_rate, random, &simulated_mutations));
    const std::string id = "MP" + std::to_string(family);
    trio_references.push_back({id, id + "-mother", Relationship::kParentChild, ReferenceRole::kMother, mother});
    trio_references.push_back({id, id + "-father", Relationship::kParentChild, ReferenceRole::kFather, father});
    sibling_references.push_back({id, id + "-sibling", Relationship::kFullSibling, ReferenceRole::kRelative, sibling.back()});
  }
  std::vector<const PopulationFrequencies*> all_populations;
  for (const auto& [name, population] : table->populations()) all_populations.push_back(&population);
  RemainsIdentificationOptions remains_options;
  remains_options.kinship = kinship;
  nlohmann::json remains_results = nlohmann::json::object();
  std::vector<CmcCurve> remains_cmc;
  for (const auto& [name, references] : {std::pair{"two_parent_trio", &trio_references}, std::pair{"one_full_sibling", &sibling_references}}) {
    std::size_t rank_one = 0;
    std::vector<double> true_posteriors;
    std::vector<std::size_t> mate_ranks;  // 1 = first; 0 = not ranked
    for (std::size_t family = 0; family < families; ++family) {
      auto ranking = RankMissingPersons(missing[family], *references, all_populations, remains_options);
      if (!ranking.ok()) return ReportError(globals, ranking.status());
      const std::string id = "MP" + std::to_string(family);
      if (ranking->ranking.front().missing_person == id) ++rank_one;
      mate_ranks.push_back(0);
      for (std::size_t rank = 0; rank < ranking->ranking.size(); ++rank) {
        const MissingPersonScore& score = ranking->ranking[rank];
        if (score.missing_person != id) continue;
        true_posteriors.push_back(score.posterior);
        mate_ranks.back() = rank + 1;
      }
    }
    std::sort(true_posteriors.begin(), true_posteriors.end());
    remains_results[name] = {{"missing_persons", families},
                             {"rank_one_rate", static_cast<double>(rank_one) / static_cast<double>(families)},
                             {"true_posterior_p5", true_posteriors[true_posteriors.size() / 20]},
                             {"true_posterior_median", true_posteriors[true_posteriors.size() / 2]},
                             {"prior_per_missing_person", 1.0 / static_cast<double>(families + 1)}};
    if (!args.plot_dir.empty()) {
      auto cmc = CmcFromMateRanks(mate_ranks, families);
      if (!cmc.ok()) return ReportError(globals, cmc.status());
      remains_cmc.push_back({name, std::move(cmc).value()});
    }
  }
  result["remains_identification"] = remains_results;
  result["mutation_rate"] = args.mutation_rate;
  result["seed"] = args.seed;
  if (!args.plot_dir.empty()) {
    nlohmann::json plots = nlohmann::json::array();
    const Status written = WritePlots(args.plot_dir, kinship_scores, remains_cmc, plots);
    if (!written.ok()) return ReportError(globals, written);
    result["plots"] = plots;
  }
  PrintResult(globals, result, [&](std::ostream& out) { out << result.dump(2) << '\n'; });
}

}  // namespace

void AddEvalDnaCommand(CLI::App& eval, CliGlobals& globals) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* command = eval.add_subcommand("dna", "DNA accuracy on the NIST 1036 genotypes (adventitious matches, kinship, remains)");
  command->add_option("--genotypes", args->genotypes, "Collection CSV sample,population,locus,allele1,allele2 (default: NIST 1036 in ABIS_DATA)");
  command->add_option("--freq", args->freq, "Allele frequency table (default: shipped)");
  command->add_option("--pairs", args->pairs, "Simulated pairs per relationship")->capture_default_str();
  command->add_option("--families", args->families, "Missing-person families for remains identification")->capture_default_str();
  command->add_option("--mutation-rate", args->mutation_rate, "Simulated and modelled mutation rate")->capture_default_str();
  command->add_option("--seed", args->seed, "Random seed")->capture_default_str();
  command->add_option("--plot-dir", args->plot_dir,
                      "Write SVG plots here: kinship DET and log10 LR histograms, remains identification CMC");
  command->callback([args, &globals] { RunEval(*args, globals); });
}

}  // namespace abis::dna::internal
