// `abis dna match | rmp | kinship | identify-remains | populations` (docs/DNA.md).
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <memory>
#include <ostream>

#include "abis/dna/kinship.h"
#include "abis/dna/match_probability.h"
#include "abis/dna/match_stringency.h"
#include "abis/dna/profile_io.h"
#include "abis/dna/remains_identification.h"
#include "cli_internal.h"
#include "csv_reader.h"

namespace abis::dna::internal {
namespace {

struct ProfileFlags {
  bool allow_unlisted_loci = false;
  bool mixture = false;
  ProfileParseOptions Options() const { return {allow_unlisted_loci, mixture}; }
};

void AddProfileFlags(CLI::App& command, ProfileFlags& flags) {
  command.add_flag("--allow-unlisted-loci", flags.allow_unlisted_loci, "Accept locus names outside the known STR list");
  command.add_flag("--mixture", flags.mixture, "Accept more than two alleles per locus (mixed profiles)");
}

struct MatchArgs {
  std::string a, b, stringency = "moderate";
  std::size_t min_loci = 1, max_mismatches = 0;
  ProfileFlags flags;
};

void RunMatch(const MatchArgs& args, CliGlobals& globals) {
  auto stringency = ParseMatchStringency(args.stringency);
  if (!stringency.ok()) return ReportError(globals, stringency.status());
  auto a = LoadProfileFile(args.a, args.flags.Options());
  if (!a.ok()) return ReportError(globals, a.status());
  auto b = LoadProfileFile(args.b, args.flags.Options());
  if (!b.ok()) return ReportError(globals, b.status());
  const ProfileComparison comparison = CompareProfiles(*a, *b, *stringency);
  const bool match = IsMatch(comparison, {*stringency, args.min_loci, args.max_mismatches});
  nlohmann::json result = {{"loci_compared", comparison.loci_compared},
                           {"loci_matched", comparison.loci_matched},
                           {"match", match},
                           {"stringency", MatchStringencyName(*stringency)},
                           {"mismatched_loci", comparison.mismatched_loci},
                           {"min_loci", args.min_loci},
                           {"max_mismatches", args.max_mismatches}};
  PrintResult(globals, result, [&](std::ostream& out) {
    out << (match ? "match" : "no match") << " at " << MatchStringencyName(*stringency) << " stringency: "
        << comparison.loci_matched << " of " << comparison.loci_compared << " loci compared match";
    if (!comparison.mismatched_loci.empty()) {
      out << " (mismatched:";
      for (const std::string& locus : comparison.mismatched_loci) out << ' ' << locus;
      out << ')';
    }
    out << '\n';
  });
}

struct RmpArgs {
  std::string profile, freq, population;
  double theta = 0.01;
  ProfileFlags flags;
};

void RunRmp(const RmpArgs& args, CliGlobals& globals) {
  auto profile = LoadProfileFile(args.profile, args.flags.Options());
  if (!profile.ok()) return ReportError(globals, profile.status());
  auto table = LoadFrequencyTable(args.freq);
  if (!table.ok()) return ReportError(globals, table.status());
  auto populations = ResolvePopulations(*table, args.population);
  if (!populations.ok()) return ReportError(globals, populations.status());
  MatchProbabilityOptions options;
  options.theta = args.theta;
  // Several populations: report the largest RMP (the most conservative) and each one.
  std::optional<RandomMatchProbability> chosen;
  std::string chosen_population;
  nlohmann::json per_population = nlohmann::json::object();
  for (const PopulationFrequencies* population : *populations) {
    auto rmp = ComputeRandomMatchProbability(*profile, *population, options);
    if (!rmp.ok()) return ReportError(globals, rmp.status().WithContext(args.profile));
    per_population[population->name()] = {{"rmp", JsonNumber(rmp->rmp)}, {"log10_rmp", rmp->log10_rmp}};
    if (!chosen || rmp->log10_rmp > chosen->log10_rmp) {
      chosen = std::move(rmp).value();
      chosen_population = population->name();
    }
  }
  nlohmann::json per_locus = nlohmann::json::object();
  for (const LocusMatchProbability& locus : chosen->loci) {
    per_locus[locus.locus] = {{"probability", locus.probability}, {"frequencies", locus.frequencies}, {"formula", locus.formula}};
  }
  nlohmann::json result = {{"rmp", JsonNumber(chosen->rmp)},
                           {"lr", JsonNumber(1.0 / chosen->rmp)},
                           {"log10_rmp", chosen->log10_rmp},
                           {"log10_lr", -chosen->log10_rmp},
                           {"theta", args.theta},
                           {"population", chosen_population},
                           {"loci_used", chosen->loci.size()},
                           {"loci_without_frequencies", chosen->loci_without_frequencies},
                           {"per_locus", per_locus},
                           {"per_population", per_population}};
  PrintResult(globals, result, [&](std::ostream& out) {
    out << "random match probability 1 in " << std::setprecision(4) << std::pow(10.0, -chosen->log10_rmp)
        << " (RMP " << chosen->rmp << ", LR " << 1.0 / chosen->rmp << ") over " << chosen->loci.size()
        << " loci, population " << chosen_population << ", theta " << args.theta << '\n';
  });
}

struct ProfileArgs {
  std::string collection, sample, out;
  ProfileFlags flags;
};

// One profile out of a collection file (sample,[population,]locus,allele1,allele2 rows), as a
// single-profile CSV that `abis enrol --modality dna` takes.
void RunProfile(const ProfileArgs& args, CliGlobals& globals) {
  auto collection = LoadProfileCollectionFile(args.collection, args.flags.Options());
  if (!collection.ok()) return ReportError(globals, collection.status());
  const NamedProfile* chosen = nullptr;
  for (const NamedProfile& named : *collection) {
    if (named.sample == args.sample) chosen = &named;
  }
  if (chosen == nullptr) {
    std::string some;
    for (std::size_t i = 0; i < collection->size() && i < 3; ++i) some += (i ? ", " : "") + (*collection)[i].sample;
    return ReportError(globals, Status::NotFound(args.collection + " holds no sample '" + args.sample + "' (" +
                                                 std::to_string(collection->size()) + " samples, e.g. " + some + ")"));
  }
  const std::string csv = ProfileToCsv(chosen->profile);
  if (!args.out.empty()) {
    std::ofstream file(args.out, std::ios::binary | std::ios::trunc);
    file << csv;
    file.close();
    if (!file) return ReportError(globals, Status::IoError("cannot write " + args.out));
  }
  nlohmann::json result = {{"sample", chosen->sample},
                           {"population", chosen->population},
                           {"loci_typed", chosen->profile.TypedLocusCount()},
                           {"core_loci_typed", chosen->profile.TypedCoreLocusCount()}};
  if (!args.out.empty()) result["written"] = args.out;
  PrintResult(globals, result, [&](std::ostream& out) {
    if (args.out.empty()) {
      out << csv;
    } else {
      out << "wrote sample " << chosen->sample << " (" << chosen->profile.TypedLocusCount() << " loci) to " << args.out
          << '\n';
    }
  });
}

struct KinshipArgs {
  std::string a, b, relationship, freq, population;
  double theta = 0.0, mutation_rate = 0.002, step_ratio = 0.1;
  ProfileFlags flags;
};

KinshipOptions MakeKinshipOptions(double theta, double mutation_rate, double step_ratio) {
  KinshipOptions options;
  options.theta = theta;
  options.mutation.rate = mutation_rate;
  options.mutation.step_ratio = step_ratio;
  return options;
}

void RunKinship(const KinshipArgs& args, CliGlobals& globals) {
  auto relationship = ParseRelationship(args.relationship);
  if (!relationship.ok()) return ReportError(globals, relationship.status());
  auto a = LoadProfileFile(args.a, args.flags.Options());
  if (!a.ok()) return ReportError(globals, a.status());
  auto b = LoadProfileFile(args.b, args.flags.Options());
  if (!b.ok()) return ReportError(globals, b.status());
  auto table = LoadFrequencyTable(args.freq);
  if (!table.ok()) return ReportError(globals, table.status());
  auto populations = ResolvePopulations(*table, args.population);
  if (!populations.ok()) return ReportError(globals, populations.status());
  const KinshipOptions options = MakeKinshipOptions(args.theta, args.mutation_rate, args.step_ratio);
  // Several populations: report the lowest LR (least support for the relationship) and each one.
  std::optional<KinshipResult> chosen;
  std::string chosen_population;
  nlohmann::json per_population = nlohmann::json::object();
  for (const PopulationFrequencies* population : *populations) {
    auto kinship = ComputeKinship(*a, *b, *relationship, *population, options);
    if (!kinship.ok()) return ReportError(globals, kinship.status());
    per_population[population->name()] = {{"lr", JsonNumber(kinship->lr)}, {"log10_lr", JsonNumber(kinship->log10_lr)}};
    if (!chosen || kinship->log10_lr < chosen->log10_lr) {
      chosen = std::move(kinship).value();
      chosen_population = population->name();
    }
  }
  nlohmann::json per_locus = nlohmann::json::object();
  for (const KinshipLocusResult& locus : chosen->loci) per_locus[locus.locus] = JsonNumber(locus.lr);
  nlohmann::json result = {{"lr", JsonNumber(chosen->lr)},
                           {"log10_lr", JsonNumber(chosen->log10_lr)},
                           {"relationship", RelationshipName(*relationship)},
                           {"population", chosen_population},
                           {"theta", args.theta},
                           {"mutation_rate", args.mutation_rate},
                           {"loci_used", chosen->loci.size()},
                           {"loci_skipped", chosen->loci_skipped},
                           {"per_locus", per_locus},
                           {"per_population", per_population}};
  PrintResult(globals, result, [&](std::ostream& out) {
    out << RelationshipName(*relationship) << " vs unrelated: LR " << std::setprecision(4) << chosen->lr << " (log10 "
        << chosen->log10_lr << ") over " << chosen->loci.size() << " loci, population " << chosen_population << '\n';
  });
}

struct IdentifyArgs {
  std::string remains, references, freq, population;
  double theta = 0.0, mutation_rate = 0.002, step_ratio = 0.1, prior = 0.0;
  ProfileFlags flags;
};

// references.csv: missing_person,relationship,profile[,relative_id]; relationship "mother" and
// "father" form the two-parent pedigree; profile paths are relative to the references file.
Result<std::vector<ReferenceRelative>> LoadReferences(const std::string& path, const ProfileParseOptions& options) {
  ABIS_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path, kMaxProfileBytes));
  CsvReader reader(text, path);
  ABIS_ASSIGN_OR_RETURN(auto header_row, reader.Next());
  if (!header_row) return Status::InvalidArgument(path + ": empty file (expected missing_person,relationship,profile)");
  ABIS_ASSIGN_OR_RETURN(CsvHeader header, CsvHeader::Parse(*header_row, {"missing_person", "relationship", "profile", "relative_id"},
                                                           {"missing_person", "relationship", "profile"}, reader));
  const std::filesystem::path base = std::filesystem::path(path).parent_path();
  std::vector<ReferenceRelative> references;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(auto row, reader.Next());
    if (!row) break;
    const std::string where = reader.Where(row->line);
    ReferenceRelative reference;
    reference.missing_person = std::string(header.Field(*row, "missing_person"));
    if (reference.missing_person.empty()) return Status::InvalidArgument(where + "empty missing_person");
    const std::string relationship(header.Field(*row, "relationship"));
    auto parsed = ParseRelationship(relationship);
    if (!parsed.ok()) return Status::InvalidArgument(where + parsed.status().message());
    reference.relationship = *parsed;
    if (relationship == "mother") reference.role = ReferenceRole::kMother;
    if (relationship == "father") reference.role = ReferenceRole::kFather;
    std::filesystem::path profile_path(header.Field(*row, "profile"));
    if (profile_path.empty()) return Status::InvalidArgument(where + "empty profile path");
    if (profile_path.is_relative()) profile_path = base / profile_path;
    auto profile = LoadProfileFile(profile_path, options);
    if (!profile.ok()) return profile.status().WithContext(where.substr(0, where.size() - 2));
    reference.profile = std::move(profile).value();
    reference.relative_id = header.Field(*row, "relative_id").empty() ? profile_path.filename().string()
                                                                      : std::string(header.Field(*row, "relative_id"));
    references.push_back(std::move(reference));
  }
  if (references.empty()) return Status::InvalidArgument(path + ": no reference rows");
  return references;
}

void RunIdentify(const IdentifyArgs& args, CliGlobals& globals) {
  auto remains = LoadProfileFile(args.remains, args.flags.Options());
  if (!remains.ok()) return ReportError(globals, remains.status());
  auto references = LoadReferences(args.references, args.flags.Options());
  if (!references.ok()) return ReportError(globals, references.status());
  auto table = LoadFrequencyTable(args.freq);
  if (!table.ok()) return ReportError(globals, table.status());
  auto populations = ResolvePopulations(*table, args.population);
  if (!populations.ok()) return ReportError(globals, populations.status());
  RemainsIdentificationOptions options;
  options.kinship = MakeKinshipOptions(args.theta, args.mutation_rate, args.step_ratio);
  options.prior_per_missing_person = args.prior;
  auto ranking = RankMissingPersons(*remains, *references, *populations, options);
  if (!ranking.ok()) return ReportError(globals, ranking.status());
  nlohmann::json rows = nlohmann::json::array();
  for (const MissingPersonScore& score : ranking->ranking) {
    rows.push_back({{"missing_person", score.missing_person},
                    {"log10_lr", JsonNumber(score.log10_lr)},
                    {"lr", JsonNumber(std::pow(10.0, score.log10_lr))},
                    {"posterior", JsonNumber(score.posterior)},
                    {"pedigree", score.pedigree},
                    {"population", score.population},
                    {"relatives", score.relatives_used}});
  }
  nlohmann::json result = {{"ranking", rows},
                           {"prior_per_missing_person", ranking->prior_per_missing_person},
                           {"prior_rule", args.prior == 0.0 ? "uniform over the missing persons and 'none of them'" : "given"},
                           {"theta", args.theta},
                           {"mutation_rate", args.mutation_rate}};
  PrintResult(globals, result, [&](std::ostream& out) {
    out << "prior per missing person " << ranking->prior_per_missing_person << '\n';
    std::size_t rank = 1;
    for (const MissingPersonScore& score : ranking->ranking) {
      out << rank++ << ". " << score.missing_person << "  log10 LR " << std::setprecision(4) << score.log10_lr
          << "  posterior " << score.posterior << "  (" << score.pedigree << ", " << score.population << ")\n";
    }
  });
}

void RunPopulations(const std::string& freq, CliGlobals& globals) {
  auto table = LoadFrequencyTable(freq);
  if (!table.ok()) return ReportError(globals, table.status());
  nlohmann::json populations = nlohmann::json::object();
  for (const auto& [name, population] : table->populations()) {
    nlohmann::json loci = nlohmann::json::object();
    for (const auto& [locus, frequencies] : population.loci()) {
      loci[locus] = {{"alleles", frequencies.frequency_by_allele.size()},
                     {"n_alleles", frequencies.alleles_sampled ? nlohmann::json(*frequencies.alleles_sampled) : nlohmann::json()}};
    }
    populations[name] = loci;
  }
  PrintResult(globals, {{"populations", populations}}, [&](std::ostream& out) {
    for (const auto& [name, population] : table->populations()) {
      out << name << ": " << population.loci().size() << " loci\n";
    }
  });
}

}  // namespace

Result<AlleleFrequencyTable> LoadFrequencyTable(const std::string& path) {
  if (path.empty()) return AlleleFrequencyTable::LoadFile(AlleleFrequencyTable::ShippedTablePath());
  return AlleleFrequencyTable::LoadFile(path);
}

Result<std::vector<const PopulationFrequencies*>> ResolvePopulations(const AlleleFrequencyTable& table,
                                                                     const std::string& name) {
  std::vector<const PopulationFrequencies*> populations;
  if (name.empty() || name == "all") {
    for (const auto& [population_name, population] : table.populations()) populations.push_back(&population);
    return populations;
  }
  ABIS_ASSIGN_OR_RETURN(const PopulationFrequencies* population, table.Population(name));
  populations.push_back(population);
  return populations;
}

nlohmann::json JsonNumber(double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(); }

void AddDnaCommands(CLI::App& root, CliGlobals& globals) {
  CLI::App* dna = root.add_subcommand("dna", "DNA STR profiles: matching, statistics, kinship, remains identification");
  dna->require_subcommand(1);
  const std::string freq_help = "Allele frequency table CSV (default: the shipped FBI 2015 table)";
  const std::string population_help = "Population of the table (default: all, reporting the most conservative)";

  auto match = std::make_shared<MatchArgs>();
  CLI::App* match_cmd = dna->add_subcommand("match", "Compare two profiles at a CODIS stringency");
  match_cmd->add_option("--a", match->a, "First profile (CSV or JSON)")->required();
  match_cmd->add_option("--b", match->b, "Second profile (CSV or JSON)")->required();
  match_cmd->add_option("--stringency", match->stringency, "high, moderate or low")->capture_default_str();
  match_cmd->add_option("--min-loci", match->min_loci, "Loci that must be compared for a match")->capture_default_str();
  match_cmd->add_option("--max-mismatches", match->max_mismatches, "Compared loci allowed to fail")->capture_default_str();
  AddProfileFlags(*match_cmd, match->flags);
  match_cmd->callback([match, &globals] { RunMatch(*match, globals); });

  auto rmp = std::make_shared<RmpArgs>();
  CLI::App* rmp_cmd = dna->add_subcommand("rmp", "Random match probability and single-source LR");
  rmp_cmd->add_option("--profile", rmp->profile, "Profile (CSV or JSON)")->required();
  rmp_cmd->add_option("--freq", rmp->freq, freq_help);
  rmp_cmd->add_option("--population", rmp->population, population_help);
  rmp_cmd->add_option("--theta", rmp->theta, "Coancestry coefficient (NRC II 4.10)")->capture_default_str();
  AddProfileFlags(*rmp_cmd, rmp->flags);
  rmp_cmd->callback([rmp, &globals] { RunRmp(*rmp, globals); });

  auto profile = std::make_shared<ProfileArgs>();
  CLI::App* profile_cmd = dna->add_subcommand("profile", "Take one sample's profile out of a collection file");
  profile_cmd->add_option("--collection", profile->collection, "CSV with sample,[population,]locus,allele1,allele2 rows")
      ->required();
  profile_cmd->add_option("--sample", profile->sample, "the sample to take out")->required();
  profile_cmd->add_option("--out", profile->out, "write the profile CSV here (default: print it)");
  AddProfileFlags(*profile_cmd, profile->flags);
  profile_cmd->callback([profile, &globals] { RunProfile(*profile, globals); });

  auto kinship = std::make_shared<KinshipArgs>();
  CLI::App* kinship_cmd = dna->add_subcommand("kinship", "Kinship LR of two profiles versus unrelated");
  kinship_cmd->add_option("--a", kinship->a, "First profile")->required();
  kinship_cmd->add_option("--b", kinship->b, "Second profile")->required();
  kinship_cmd->add_option("--relationship", kinship->relationship,
                          "parent_child, full_sibling, half_sibling (= grandparent, avuncular), first_cousin")->required();
  kinship_cmd->add_option("--freq", kinship->freq, freq_help);
  kinship_cmd->add_option("--population", kinship->population, population_help);
  kinship_cmd->add_option("--theta", kinship->theta, "Coancestry coefficient")->capture_default_str();
  kinship_cmd->add_option("--mutation-rate", kinship->mutation_rate, "Per-meiosis STR mutation rate (parent_child)")->capture_default_str();
  kinship_cmd->add_option("--mutation-step-ratio", kinship->step_ratio, "Geometric ratio of multi-step mutations")->capture_default_str();
  AddProfileFlags(*kinship_cmd, kinship->flags);
  kinship_cmd->callback([kinship, &globals] { RunKinship(*kinship, globals); });

  auto identify = std::make_shared<IdentifyArgs>();
  CLI::App* identify_cmd = dna->add_subcommand("identify-remains", "Rank missing persons for unidentified remains by pedigree LR");
  identify_cmd->add_option("--remains", identify->remains, "Profile of the remains")->required();
  identify_cmd->add_option("--references", identify->references,
                           "CSV missing_person,relationship,profile[,relative_id] (mother+father form a trio)")->required();
  identify_cmd->add_option("--freq", identify->freq, freq_help);
  identify_cmd->add_option("--population", identify->population, population_help);
  identify_cmd->add_option("--prior", identify->prior, "Prior per missing person (default 1/(M+1))");
  identify_cmd->add_option("--theta", identify->theta, "Coancestry coefficient")->capture_default_str();
  identify_cmd->add_option("--mutation-rate", identify->mutation_rate, "Per-meiosis STR mutation rate")->capture_default_str();
  identify_cmd->add_option("--mutation-step-ratio", identify->step_ratio, "Geometric ratio of multi-step mutations")->capture_default_str();
  AddProfileFlags(*identify_cmd, identify->flags);
  identify_cmd->callback([identify, &globals] { RunIdentify(*identify, globals); });

  auto freq = std::make_shared<std::string>();
  CLI::App* populations_cmd = dna->add_subcommand("populations", "List the populations and loci of a frequency table");
  populations_cmd->add_option("--freq", *freq, freq_help);
  populations_cmd->callback([freq, &globals] { RunPopulations(*freq, globals); });
}

}  // namespace abis::dna::internal
