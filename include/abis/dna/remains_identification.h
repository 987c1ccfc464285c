// Identification of unidentified human remains through relatives of missing persons: for each
// missing person, the likelihood ratio "the remains are this missing person" versus "the remains
// are an unrelated person", from the reference profiles of the missing person's relatives, and
// the posterior probability under a stated prior.
//
// Pedigrees: a relative with a claimed relationship (pairwise kinship LR, kinship.h); a mother and
// a father together (two-parent trio LR). Further relatives multiply in, which treats them as
// independent evidence: exact for one relative and for a trio, an approximation otherwise (the
// result says so in `pedigree`).
// Thread-safety: stateless functions.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/dna/kinship.h"

namespace abis::dna {

enum class ReferenceRole { kRelative, kMother, kFather };

struct ReferenceRelative {
  std::string missing_person;    // id of the missing person this relative was collected for
  std::string relative_id;       // e.g. a sample name, for reports
  Relationship relationship = Relationship::kParentChild;  // relative -> missing person
  ReferenceRole role = ReferenceRole::kRelative;           // mother/father form the trio
  StrProfile profile;
};

struct MissingPersonScore {
  std::string missing_person;
  double log10_lr = 0.0;
  double posterior = 0.0;       // P(remains = this missing person | all evidence)
  std::string pedigree;         // "trio", "parent_child", ..., "trio+2 more (product: independence approximation)"
  std::string population;       // the population giving the lowest LR
  std::vector<std::string> relatives_used;
  // Per locus of the reported population: the product of the pedigree pieces' LRs there (for one
  // relative or a trio, exactly that pedigree's LR at the locus), in locus order.
  std::vector<KinshipLocusResult> loci;
};

struct RemainsIdentificationOptions {
  KinshipOptions kinship;
  // Prior probability that the remains are any one given missing person. 0 means uniform:
  // 1/(M+1) for M missing persons, the extra share being "none of them".
  double prior_per_missing_person = 0.0;
};

struct RemainsIdentification {
  double prior_per_missing_person = 0.0;  // the prior actually used
  std::vector<MissingPersonScore> ranking;  // best first
};

// Each missing person's LR is the lowest over `populations` (the conservative choice when the
// population of origin is unknown); `population` in the result names the one used.
// REQUIRES: at least one reference and one population. A missing person whose references share
// no usable locus with the remains is kInvalidArgument naming it. The prior must satisfy
// M·prior <= 1.
Result<RemainsIdentification> RankMissingPersons(const StrProfile& remains,
                                                 const std::vector<ReferenceRelative>& references,
                                                 const std::vector<const PopulationFrequencies*>& populations,
                                                 const RemainsIdentificationOptions& options = {});

}  // namespace abis::dna
