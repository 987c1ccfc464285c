// Kinship through the modality interface: an engine that can weigh "these remains are the missing
// person" against "unrelated" from the templates of the missing person's relatives offers a
// KinshipEvaluator (ModalityEngine::kinship()). The system gathers the relatives' stored
// templates and the sample options that say how each relative relates to whom; the engine
// computes the pedigree likelihood ratios. Only DNA has one.
// Thread-safety: immutable, const methods may be called concurrently (as the engine).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/modality/engine.h"

namespace abis {

// The sample options of a relative's reference sample, kept in clear with the sample
// (ModalityEngine::TemplateOptionKeys): whom the relative was collected for, and how they relate.
inline constexpr const char* kMissingPersonOption = "missing_person";
inline constexpr const char* kRelationshipOption = "relationship";

// One relative's template with its stated relationship to the missing person.
struct RelativeTemplate {
  std::string missing_person;  // the sample option missing_person
  std::string relative_id;     // the relative's person external id (or "probe 1"), for reports
  std::string relationship;    // the sample option relationship, as stated
  BiometricTemplate reference;
};

// One locus of a pedigree's evidence: the product over the pedigree's pieces of their LRs there.
struct PedigreeLocus {
  std::string locus;
  double log10_lr = 0.0;
};

struct PedigreeScore {
  std::string missing_person;
  double log10_lr = 0.0;
  double posterior = 0.0;                   // P(unidentified = this missing person | evidence), under the prior used
  std::string pedigree;                     // "trio", "parent_child", "full_sibling+1 more (product: ...)"
  std::string population;                   // the population that gave the lowest LR (the one reported)
  std::vector<std::string> relatives_used;  // relative_id of each relative whose template counted
  std::vector<PedigreeLocus> loci;
};

struct PedigreeRanking {
  double prior_per_missing_person = 0.0;  // the prior actually used
  std::vector<PedigreeScore> ranking;     // best first
};

class KinshipEvaluator {
 public:
  virtual ~KinshipEvaluator() = default;
  // Checks the relative options of a sample: both missing_person and relationship present (or both
  // absent when `required` is false), the identifier well formed and the relationship one the
  // evaluator knows. kInvalidArgument says which option is wrong and why.
  virtual Status ValidateRelativeOptions(const nlohmann::json& options, bool required) const = 0;
  // The statistical model as the answers state it: {"theta", "mutation_model": {...},
  // "populations": [...], "relationships": [...]}.
  virtual nlohmann::json Model() const = 0;
  // Ranks the missing persons the relatives were collected for, by the LR of their pedigree for
  // `unidentified`. prior_per_missing_person 0: uniform 1/(M+1) for M missing persons.
  // REQUIRES: at least one relative. A relative template of another algorithm, or a missing person
  // whose relatives share no usable locus with `unidentified`, is kInvalidArgument naming it.
  virtual Result<PedigreeRanking> RankMissingPersons(const BiometricTemplate& unidentified,
                                                     const std::vector<RelativeTemplate>& relatives,
                                                     double prior_per_missing_person) const = 0;
};

}  // namespace abis
