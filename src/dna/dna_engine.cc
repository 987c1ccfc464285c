#include "abis/dna/dna_engine.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numbers>
#include <set>
#include <tuple>

#include "abis/core/text_validation.h"
#include "abis/dna/locus.h"
#include "abis/dna/remains_identification.h"
#include "abis/dna/str_gallery.h"
#include "abis/modality/kinship_evaluator.h"

namespace abis::dna {
namespace {

// The genotype whose match probability measures a consistent locus: the full genotype when both
// sides list the same two alleles, else the alleles both sides show (2p rule for one allele).
std::optional<LocusGenotype> EvidenceGenotype(const LocusGenotype& probe, const LocusGenotype& reference) {
  const std::vector<Allele> a = probe.DistinctAlleles();
  const std::vector<Allele> b = reference.DistinctAlleles();
  if (a == b && probe.alleles.size() == 2 && reference.alleles.size() == 2) return reference;
  std::vector<Allele> shared;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(shared));
  if (shared.empty() || shared.size() > 2) return std::nullopt;
  LocusGenotype genotype;
  genotype.alleles = shared;
  return genotype;
}

class DnaEngine;

// The relationship a relative's sample option names, with its pedigree role (mother and father of
// the missing person form the trio). A spouse is not related to the missing person: refused.
Result<std::pair<Relationship, ReferenceRole>> ParseRelativeRelationship(const std::string& name) {
  if (name == "spouse" || name == "partner" || name == "husband" || name == "wife") {
    return Status::InvalidArgument("relationship '" + name +
                                   "' is not yet supported: a spouse is not related to the missing person (the "
                                   "pedigree of their children with the spouse's profile is not implemented; enrol "
                                   "the children with relationship child)");
  }
  ABIS_ASSIGN_OR_RETURN(Relationship relationship, ParseRelationship(name));
  if (relationship == Relationship::kUnrelated) {
    return Status::InvalidArgument("relationship 'unrelated' names no relative of the missing person");
  }
  ReferenceRole role = ReferenceRole::kRelative;
  if (name == "mother") role = ReferenceRole::kMother;
  if (name == "father") role = ReferenceRole::kFather;
  return std::make_pair(relationship, role);
}

// Pedigree LRs of DNA templates (remains_identification.h) at the engine's θ and populations.
class DnaKinshipEvaluator final : public KinshipEvaluator {
 public:
  DnaKinshipEvaluator(const std::vector<const PopulationFrequencies*>& populations, double theta)
      : populations_(populations) {
    options_.kinship.theta = theta;
  }

  Status ValidateRelativeOptions(const nlohmann::json& options, bool required) const override {
    const bool has_missing_person = options.is_object() && options.contains(kMissingPersonOption);
    const bool has_relationship = options.is_object() && options.contains(kRelationshipOption);
    if (!has_missing_person && !has_relationship) {
      if (!required) return Status::Ok();
      return Status::InvalidArgument(
          "a relative's reference sample needs the sample options missing_person (whom it was collected for) and "
          "relationship (parent, child, mother, father, full_sibling, half_sibling, ...)");
    }
    if (!has_missing_person) {
      return Status::InvalidArgument("sample option relationship without missing_person: name whom the relative "
                                     "was collected for");
    }
    if (!has_relationship) {
      return Status::InvalidArgument("sample option missing_person without relationship: state how the relative "
                                     "relates to the missing person (parent, child, mother, father, full_sibling, ...)");
    }
    if (!options[kMissingPersonOption].is_string()) {
      return Status::InvalidArgument("sample option missing_person must be a string");
    }
    ABIS_RETURN_IF_ERROR(
        ValidateIdentifier(options[kMissingPersonOption].get<std::string>(), "sample option missing_person", 128));
    if (!options[kRelationshipOption].is_string()) {
      return Status::InvalidArgument("sample option relationship must be a string");
    }
    auto relationship = ParseRelativeRelationship(options[kRelationshipOption].get<std::string>());
    if (!relationship.ok()) return relationship.status().WithContext("sample option relationship");
    return Status::Ok();
  }

  nlohmann::json Model() const override {
    nlohmann::json populations = nlohmann::json::array();
    for (const PopulationFrequencies* population : populations_) populations.push_back(population->name());
    return {{"theta", options_.kinship.theta},
            {"mutation_model",
             {{"name", "stepwise"},
              {"rate_per_meiosis", options_.kinship.mutation.rate},
              {"step_ratio", options_.kinship.mutation.step_ratio},
              {"applies_to", "parent-child transmissions (parent_child, mother, father, trio)"}}},
            {"populations", populations},
            {"population_rule", "lowest LR over the populations"},
            {"several_pieces", "product of the pieces' LRs (independence approximation)"}};
  }

  Result<PedigreeRanking> RankMissingPersons(const BiometricTemplate& unidentified,
                                             const std::vector<RelativeTemplate>& relatives,
                                             double prior_per_missing_person) const override {
    ABIS_ASSIGN_OR_RETURN(StrProfile remains, ProfileFromTemplate(unidentified));
    std::vector<ReferenceRelative> references;
    references.reserve(relatives.size());
    for (const RelativeTemplate& relative : relatives) {
      ReferenceRelative reference;
      reference.missing_person = relative.missing_person;
      reference.relative_id = relative.relative_id;
      auto parsed = ParseRelativeRelationship(relative.relationship);
      if (!parsed.ok()) return parsed.status().WithContext("relative " + relative.relative_id);
      std::tie(reference.relationship, reference.role) = *parsed;
      auto profile = ProfileFromTemplate(relative.reference);
      if (!profile.ok()) return profile.status().WithContext("relative " + relative.relative_id);
      reference.profile = std::move(profile).value();
      references.push_back(std::move(reference));
    }
    RemainsIdentificationOptions options = options_;
    options.prior_per_missing_person = prior_per_missing_person;
    ABIS_ASSIGN_OR_RETURN(RemainsIdentification ranked, dna::RankMissingPersons(remains, references, populations_, options));
    PedigreeRanking out;
    out.prior_per_missing_person = ranked.prior_per_missing_person;
    for (MissingPersonScore& score : ranked.ranking) {
      PedigreeScore item;
      item.missing_person = std::move(score.missing_person);
      item.log10_lr = score.log10_lr;
      item.posterior = score.posterior;
      item.pedigree = std::move(score.pedigree);
      item.population = std::move(score.population);
      item.relatives_used = std::move(score.relatives_used);
      for (const KinshipLocusResult& locus : score.loci) item.loci.push_back({locus.locus, std::log10(locus.lr)});
      out.ranking.push_back(std::move(item));
    }
    return out;
  }

 private:
  std::vector<const PopulationFrequencies*> populations_;
  RemainsIdentificationOptions options_;
};

class DnaGallery final : public ModalityGallery {
 public:
  DnaGallery(const DnaEngine& engine, StrGalleryOptions options) : engine_(engine), gallery_(options) {}
  Status Add(std::int64_t reference_id, const BiometricTemplate& reference) override;
  void Remove(std::int64_t reference_id) override { gallery_.Remove(reference_id); }
  std::size_t size() const override { return gallery_.size(); }
  Result<std::vector<Candidate>> Search(const BiometricTemplate& probe, std::size_t max_candidates) const override;

 private:
  const DnaEngine& engine_;
  StrGallery gallery_;
};

class DnaEngine final : public ModalityEngine {
 public:
  DnaEngine(AlleleFrequencyTable table, DnaEngineSettings settings) : table_(std::move(table)), settings_(std::move(settings)) {}

  Status Init() {
    if (!(settings_.probability.theta >= 0.0 && settings_.probability.theta < 1.0)) {
      return Status::InvalidArgument("theta " + std::to_string(settings_.probability.theta) + " is outside [0, 1)");
    }
    if (settings_.population.empty()) {
      for (const auto& [name, population] : table_.populations()) populations_.push_back(&population);
    } else {
      ABIS_ASSIGN_OR_RETURN(const PopulationFrequencies* population, table_.Population(settings_.population));
      populations_.push_back(population);
    }
    if (populations_.empty()) return Status::InvalidArgument("the allele frequency table has no population");
    kinship_ = std::make_unique<DnaKinshipEvaluator>(populations_, settings_.probability.theta);
    return Status::Ok();
  }

  Modality modality() const override { return Modality::kDna; }
  std::string algorithm() const override { return kDnaAlgorithm; }
  // A relative's reference sample names the missing person and the relationship (kinship searches).
  std::vector<std::string> TemplateOptionKeys() const override { return {kMissingPersonOption, kRelationshipOption}; }
  const KinshipEvaluator* kinship() const override { return kinship_.get(); }

  Result<BiometricTemplate> Extract(const SampleInput& sample) const override {
    const std::string source = sample.source_name.empty() ? "DNA sample" : sample.source_name;
    if (sample.modality != Modality::kDna) return Status::InvalidArgument(source + ": not a DNA sample");
    Status relative_options = kinship_->ValidateRelativeOptions(sample.options, /*required=*/false);
    if (!relative_options.ok()) return relative_options.WithContext(source);
    const std::string_view text(reinterpret_cast<const char*>(sample.bytes.data()), sample.bytes.size());
    if (IsProfileCollection(text)) {
      // One person's record holds one person's profile, never a file of other people's genotypes.
      return Status::InvalidArgument(source + ": a collection of STR profiles (its header starts with a sample "
                                              "column): enrol one profile at a time; take one out with `abis dna "
                                              "profile --collection FILE --sample ID --out profile.csv`");
    }
    Result<StrProfile> profile = Status::InvalidArgument("unset");
    if (sample.format_hint == "csv") {
      profile = ParseProfileCsv(text, source, settings_.parse);
    } else if (sample.format_hint == "json") {
      profile = ParseProfileJson(text, source, settings_.parse);
    } else if (sample.format_hint.empty()) {
      profile = ParseProfile(text, source, settings_.parse);
    } else {
      return Status::InvalidArgument(source + ": DNA format '" + sample.format_hint + "' is not csv or json");
    }
    if (!profile.ok()) return profile.status();
    return ProfileToTemplate(*profile);
  }

  Result<Comparison> Compare(const BiometricTemplate& probe, const BiometricTemplate& reference) const override {
    ABIS_ASSIGN_OR_RETURN(StrProfile probe_profile, ProfileFromTemplate(probe));
    ABIS_ASSIGN_OR_RETURN(StrProfile reference_profile, ProfileFromTemplate(reference));
    return Score(probe_profile, reference_profile);
  }

  // The locus-by-locus table of a comparison, for the examiner: every locus either profile types
  // (amelogenin shown, never compared), both genotypes, the match class and the locus's LR in the
  // population Score() reports (the most conservative): 1/match probability where consistent, 0
  // where the loci exclude, null where it cannot be said (not compared, no frequencies).
  Result<nlohmann::json> ExaminerView(const BiometricTemplate& probe, const BiometricTemplate& reference) const override {
    ABIS_ASSIGN_OR_RETURN(StrProfile probe_profile, ProfileFromTemplate(probe));
    ABIS_ASSIGN_OR_RETURN(StrProfile reference_profile, ProfileFromTemplate(reference));
    ABIS_ASSIGN_OR_RETURN(Comparison scored, Score(probe_profile, reference_profile));
    const PopulationFrequencies* population = nullptr;
    for (const PopulationFrequencies* candidate : populations_) {
      if (scored.details.value("population", "") == candidate->name()) population = candidate;
    }
    std::set<std::string> names;
    for (const auto& [locus, genotype] : probe_profile.loci) names.insert(locus);
    for (const auto& [locus, genotype] : reference_profile.loci) names.insert(locus);
    nlohmann::json loci = nlohmann::json::array();
    for (const std::string& locus : names) {
      const auto in_probe = probe_profile.loci.find(locus);
      const auto in_reference = reference_profile.loci.find(locus);
      const bool typed_probe = in_probe != probe_profile.loci.end() && !in_probe->second.alleles.empty();
      const bool typed_reference = in_reference != reference_profile.loci.end() && !in_reference->second.alleles.empty();
      nlohmann::json row = {{"locus", locus},
                            {"probe", typed_probe ? nlohmann::json(in_probe->second.Key()) : nlohmann::json(nullptr)},
                            {"candidate", typed_reference ? nlohmann::json(in_reference->second.Key())
                                                          : nlohmann::json(nullptr)},
                            {"lr", nullptr}};
      if (locus == kAmelogenin || !typed_probe || !typed_reference) {
        row["class"] = "not compared";
      } else {
        const LocusGenotype& a = in_probe->second;
        const LocusGenotype& b = in_reference->second;
        row["class"] = LocusMatches(a, b, MatchStringency::kHigh)       ? "identical"
                       : LocusMatches(a, b, MatchStringency::kModerate) ? "consistent"
                       : LocusMatches(a, b, MatchStringency::kLow)      ? "shares an allele"
                                                                        : "mismatch";
        const bool matches = LocusMatches(a, b, settings_.criteria.stringency);
        row["match"] = matches;
        std::optional<LocusGenotype> evidence = EvidenceGenotype(a, b);
        if (!matches) {
          row["lr"] = 0.0;
        } else if (evidence && population != nullptr && population->HasLocus(locus)) {
          auto probability = ComputeLocusMatchProbability(locus, *evidence, *population, settings_.probability);
          if (probability.ok() && probability->probability > 0) row["lr"] = 1.0 / probability->probability;
        }
      }
      loci.push_back(std::move(row));
    }
    return nlohmann::json{{"loci", loci},
                          {"stringency", MatchStringencyName(settings_.criteria.stringency)},
                          {"population", scored.details.value("population", "")},
                          {"log10_lr", scored.details.value("log10_lr", 0.0)}};
  }

  // The most conservative (lowest) identity log-LR over the configured populations.
  Result<Comparison> Score(const StrProfile& probe, const StrProfile& reference) const {
    Comparison result;
    bool first = true;
    for (const PopulationFrequencies* population : populations_) {
      ABIS_ASSIGN_OR_RETURN(IdentityScore score, ScoreIdentity(probe, reference, settings_.criteria.stringency,
                                                               *population, settings_.probability));
      if (first || score.log_lr < result.log_lr) {
        result.log_lr = score.log_lr;
        result.score = score.log_lr;
        result.details = {{"loci_compared", score.comparison.loci_compared},
                          {"loci_matched", score.comparison.loci_matched},
                          {"mismatched_loci", score.comparison.mismatched_loci},
                          {"stringency", MatchStringencyName(settings_.criteria.stringency)},
                          {"min_loci_compared", settings_.criteria.min_loci_compared},
                          // Forensic practice reports log10; the fusion of modalities adds natural logs.
                          {"log10_lr", score.log_lr / std::numbers::ln10},
                          {"match", IsMatch(score.comparison, settings_.criteria)},
                          {"excluded", score.excluded},
                          {"population", population->name()}};
      }
      first = false;
    }
    return result;
  }

  std::unique_ptr<ModalityGallery> NewGallery() const override {
    // Partial profiles (degraded remains, older CODIS-13/15 records) are indexed and searched at the
    // loci they type: the index's core-loci rule is the enrolment policy the template records
    // (quality.searchable_by_default_policy), not a reason to leave a stored profile out of
    // searches. A profile typing fewer loci than a match must compare could never match: DnaGallery::Add
    // refuses it.
    StrGalleryOptions options;
    options.criteria = settings_.criteria;
    options.min_core_loci_to_enroll = 0;
    return std::make_unique<DnaGallery>(*this, options);
  }

  Result<double> ThresholdForFalseMatchRate(double false_match_rate) const override {
    if (!(false_match_rate > 0.0 && false_match_rate < 1.0)) {
      return Status::InvalidArgument("false-match rate " + std::to_string(false_match_rate) + " is outside (0, 1)");
    }
    return std::log(1.0 / false_match_rate);
  }

 private:
  AlleleFrequencyTable table_;
  DnaEngineSettings settings_;
  std::vector<const PopulationFrequencies*> populations_;
  std::unique_ptr<DnaKinshipEvaluator> kinship_;
};

Status DnaGallery::Add(std::int64_t reference_id, const BiometricTemplate& reference) {
  ABIS_ASSIGN_OR_RETURN(StrProfile profile, ProfileFromTemplate(reference));
  const std::size_t needed = gallery_.options().criteria.min_loci_compared;
  if (profile.TypedLocusCount() < needed) {
    return Status::InvalidArgument("profile types " + std::to_string(profile.TypedLocusCount()) +
                                   " STR loci; a DNA match compares at least " + std::to_string(needed) +
                                   " (setting min_loci_compared), so it could never match");
  }
  Status status = gallery_.Add(reference_id, profile);
  if (!status.ok()) return status.WithContext("reference " + std::to_string(reference_id));
  return Status::Ok();
}

Result<std::vector<Candidate>> DnaGallery::Search(const BiometricTemplate& probe, std::size_t max_candidates) const {
  ABIS_ASSIGN_OR_RETURN(StrProfile probe_profile, ProfileFromTemplate(probe));
  ABIS_ASSIGN_OR_RETURN(std::vector<StrSearchHit> hits, gallery_.Search(probe_profile));
  std::vector<Candidate> candidates;
  candidates.reserve(hits.size());
  for (const StrSearchHit& hit : hits) {
    ABIS_ASSIGN_OR_RETURN(StrProfile reference, gallery_.Get(hit.reference_id));
    ABIS_ASSIGN_OR_RETURN(Comparison comparison, engine_.Score(probe_profile, reference));
    candidates.push_back({hit.reference_id, comparison.score, comparison.log_lr, comparison.details});
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
  if (candidates.size() > max_candidates) candidates.resize(max_candidates);
  return candidates;
}

}  // namespace

Result<IdentityScore> ScoreIdentity(const StrProfile& probe, const StrProfile& reference, MatchStringency stringency,
                                    const PopulationFrequencies& population, const MatchProbabilityOptions& options) {
  IdentityScore score;
  score.comparison = CompareProfiles(probe, reference, stringency);
  if (!score.comparison.mismatched_loci.empty()) {
    score.excluded = true;
    score.log_lr = static_cast<double>(score.comparison.mismatched_loci.size()) * kExcludedLocusLogLr;
    return score;
  }
  for (const auto& [locus, genotype] : probe.loci) {
    if (locus == kAmelogenin || genotype.alleles.empty() || !population.HasLocus(locus)) continue;
    auto it = reference.loci.find(locus);
    if (it == reference.loci.end() || it->second.alleles.empty()) continue;
    std::optional<LocusGenotype> evidence = EvidenceGenotype(genotype, it->second);
    if (!evidence) continue;
    auto probability = ComputeLocusMatchProbability(locus, *evidence, population, options);
    if (!probability.ok()) return probability.status();
    score.log_lr -= std::log(probability->probability);
  }
  return score;
}

Result<BiometricTemplate> ProfileToTemplate(const StrProfile& profile) {
  BiometricTemplate result;
  result.modality = Modality::kDna;
  result.algorithm = kDnaAlgorithm;
  const std::string text = ProfileToJson(profile).dump();
  result.data.assign(text.begin(), text.end());
  nlohmann::json searchable = nlohmann::json::object();
  for (DnaIndex index : AllDnaIndexes()) {
    searchable[std::string(DnaIndexName(index))] = profile.TypedCoreLocusCount() >= DefaultPolicy(index).min_core_loci;
  }
  result.quality = {{"loci_typed", profile.TypedLocusCount()},
                    {"core_loci_typed", profile.TypedCoreLocusCount()},
                    {"amelogenin", profile.loci.contains(std::string(kAmelogenin))},
                    {"searchable_by_default_policy", searchable}};
  return result;
}

bool IsProfileCollection(std::string_view text) {
  const std::size_t start = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (start == std::string_view::npos) return false;
  std::string first(text.substr(start, 7));
  for (char& c : first) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return first == "sample,";
}

Result<StrProfile> ProfileFromTemplate(const BiometricTemplate& template_) {
  if (template_.algorithm != kDnaAlgorithm) {
    return Status::InvalidArgument("template of algorithm '" + template_.algorithm + "' is not " + kDnaAlgorithm);
  }
  const std::string_view text(reinterpret_cast<const char*>(template_.data.data()), template_.data.size());
  ProfileParseOptions options;
  options.allow_unlisted_loci = true;
  options.allow_mixture = true;
  auto profile = ParseProfileJson(text, "dna template", options);
  if (!profile.ok()) return Status::DataLoss(profile.status().message());
  return profile;
}

Result<DnaEngineSettings> DnaEngineSettings::FromJson(const nlohmann::json& settings) {
  DnaEngineSettings result;
  if (settings.is_null()) return result;
  if (!settings.is_object()) return Status::InvalidArgument("DNA engine settings must be a JSON object");
  static const std::set<std::string> kKeys = {"index", "min_core_loci", "stringency", "min_loci_compared",
                                              "max_mismatched_loci", "population", "theta", "allow_unlisted_loci",
                                              "allow_mixture"};
  for (const auto& [key, value] : settings.items()) {
    if (!kKeys.contains(key)) return Status::InvalidArgument("unknown DNA engine setting '" + key + "'");
  }
  auto get_string = [&](const char* key) -> Result<std::optional<std::string>> {
    if (!settings.contains(key)) return std::optional<std::string>();
    if (!settings[key].is_string()) return Status::InvalidArgument(std::string("DNA setting '") + key + "' must be a string");
    return std::optional<std::string>(settings[key].get<std::string>());
  };
  auto get_count = [&](const char* key) -> Result<std::optional<std::size_t>> {
    if (!settings.contains(key)) return std::optional<std::size_t>();
    if (!settings[key].is_number_unsigned()) {
      return Status::InvalidArgument(std::string("DNA setting '") + key + "' must be a non-negative integer");
    }
    return std::optional<std::size_t>(settings[key].get<std::size_t>());
  };
  ABIS_ASSIGN_OR_RETURN(auto index, get_string("index"));
  if (index) {
    ABIS_ASSIGN_OR_RETURN(result.index, ParseDnaIndex(*index));
  }
  const DnaIndexPolicy policy = DefaultPolicy(result.index);
  result.min_core_loci_to_enroll = policy.min_core_loci;
  result.criteria.stringency = policy.search_stringency;
  result.criteria.min_loci_compared = 8;
  ABIS_ASSIGN_OR_RETURN(auto min_core, get_count("min_core_loci"));
  if (min_core) result.min_core_loci_to_enroll = *min_core;
  ABIS_ASSIGN_OR_RETURN(auto stringency, get_string("stringency"));
  if (stringency) {
    ABIS_ASSIGN_OR_RETURN(result.criteria.stringency, ParseMatchStringency(*stringency));
  }
  ABIS_ASSIGN_OR_RETURN(auto min_compared, get_count("min_loci_compared"));
  if (min_compared) result.criteria.min_loci_compared = *min_compared;
  ABIS_ASSIGN_OR_RETURN(auto mismatches, get_count("max_mismatched_loci"));
  if (mismatches) result.criteria.max_mismatched_loci = *mismatches;
  ABIS_ASSIGN_OR_RETURN(auto population, get_string("population"));
  if (population) result.population = *population;
  if (settings.contains("theta")) {
    if (!settings["theta"].is_number()) return Status::InvalidArgument("DNA setting 'theta' must be a number");
    result.probability.theta = settings["theta"].get<double>();
  }
  for (const char* key : {"allow_unlisted_loci", "allow_mixture"}) {
    if (!settings.contains(key)) continue;
    if (!settings[key].is_boolean()) return Status::InvalidArgument(std::string("DNA setting '") + key + "' must be true or false");
  }
  result.parse.allow_unlisted_loci = settings.value("allow_unlisted_loci", false);
  result.parse.allow_mixture = settings.value("allow_mixture", false);
  return result;
}

Result<std::unique_ptr<ModalityEngine>> NewDnaEngine(AlleleFrequencyTable frequencies, DnaEngineSettings settings) {
  auto engine = std::make_unique<DnaEngine>(std::move(frequencies), std::move(settings));
  ABIS_RETURN_IF_ERROR(engine->Init());
  return std::unique_ptr<ModalityEngine>(std::move(engine));
}

}  // namespace abis::dna
