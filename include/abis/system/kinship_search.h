// Kinship searches in the store (AbisSystem::KinshipSearch): unidentified remains against the
// families of missing persons, and a family against unidentified remains, by pedigree likelihood
// ratio (the engine's KinshipEvaluator: DNA only). Family reference persons (category
// missing_person_reference) carry on each DNA sample the options missing_person and relationship
// (abis/modality/kinship_evaluator.h), which say whom they were collected for and how they relate.
//
// Rules: purpose unidentified_remains or missing_person only, a case reference, the role may
// search (Action::kSearch) for that purpose; a refusal is audited as "kinship_search.refused",
// a failure after the checks as "kinship_search.failed". One "kinship_search" audit entry per
// search (purpose, case, gallery, the persons whose profiles were used, the probe's SHA-256;
// never DNA). Every candidate becomes a lead for the two-person review (candidate_review.h): the
// stored person an examiner reviews is the remains person (family -> remains) or, for remains ->
// families, the first reference person of the missing person's pedigree (relatives_used[0]); the
// lead's fused_ln_lr is the pedigree LR in natural log.
// Thread-safety: as AbisSystem (one per thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abis/modality/kinship_evaluator.h"
#include "abis/system/abis_system.h"

namespace abis {

enum class KinshipDirection : std::uint8_t {
  // An unidentified remains profile (probe sample, or a stored unidentified_remains person)
  // against a gallery of family reference persons: the missing persons ranked.
  kRemainsToFamilies,
  // A family reference (a stored missing_person_reference person, or a probe sample with the
  // options missing_person and relationship) with every stored reference of the same missing
  // person, against a gallery of unidentified_remains persons: the remains ranked.
  kFamilyToRemains,
};
// "remains_to_families", "family_to_remains" (ParseKinshipDirection also takes '-' for '_').
std::string_view KinshipDirectionName(KinshipDirection direction);
Result<KinshipDirection> ParseKinshipDirection(std::string_view name);

struct KinshipSearchRequest {
  Purpose purpose = Purpose::kUnidentifiedRemains;  // unidentified_remains or missing_person
  std::string case_ref;                             // required, as for every search
  std::string gallery;
  KinshipDirection direction = KinshipDirection::kRemainsToFamilies;
  // Exactly one of: a DNA probe sample (not stored), or a stored person (external id) whose
  // active DNA template is the probe (the one typing the most loci when there are several).
  std::optional<SampleInput> probe;
  std::string probe_person;
  std::size_t max_candidates = 10;  // 1-1000
  // Prior per candidate (0: uniform, 1/(N+1) for N candidates: the extra share is "none").
  double prior_per_candidate = 0.0;
};

struct KinshipCandidate {
  std::string missing_person;  // the missing person this candidate's pedigree is for
  // The stored person the lead names: the remains (family -> remains) or the first reference
  // person of the pedigree (remains -> families).
  std::int64_t person_id = 0;
  std::string external_id;
  double log10_lr = 0.0;
  double posterior = 0.0;
  std::string pedigree;
  std::string population;
  std::vector<std::string> relatives_used;  // external ids of the reference persons ("probe" for the probe)
  std::vector<PedigreeLocus> loci;
  std::int64_t review_id = 0;  // the recorded lead (candidate id)
};

struct KinshipSearchResult {
  KinshipDirection direction = KinshipDirection::kRemainsToFamilies;
  std::string missing_person;        // family -> remains: whose family searched
  double prior_per_candidate = 0.0;  // the prior used
  nlohmann::json model;              // KinshipEvaluator::Model(): θ, mutation model, populations
  std::size_t gallery_persons = 0;   // gallery members compared
  // Gallery members or references left out, each "<external id>: why" (wrong category, no DNA
  // template, a reference sample without the relative options).
  std::vector<std::string> skipped;
  std::vector<KinshipCandidate> candidates;  // best first
  std::int64_t audit_seq = 0;
  nlohmann::json ToJson() const;
};

}  // namespace abis
