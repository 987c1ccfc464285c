// CODIS-style DNA indexes and their searchability rules: the minimum number of typed CODIS core
// loci a profile needs to be entered and searched, and the default search stringency.
// Defaults follow the pattern of the FBI NDIS Operational Procedures (see docs/DNA.md for the
// sources and caveats); every value is configurable.
// Thread-safety: stateless functions over constant tables.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "abis/core/status.h"
#include "abis/dna/match_stringency.h"

namespace abis::dna {

enum class DnaIndex {
  kOffenderArrestee,
  kForensicUnknown,
  kMissingPerson,
  kUnidentifiedHumanRemains,
  kRelativesOfMissingPersons,
};

struct DnaIndexPolicy {
  DnaIndex index = DnaIndex::kOffenderArrestee;
  std::size_t min_core_loci = 20;                                  // to be entered and searched
  MatchStringency search_stringency = MatchStringency::kModerate;  // default for searches
};

std::span<const DnaIndex> AllDnaIndexes();
// "offender_arrestee", "forensic_unknown", "missing_person", "unidentified_human_remains",
// "relatives_of_missing_persons".
std::string_view DnaIndexName(DnaIndex index);
Result<DnaIndex> ParseDnaIndex(std::string_view name);
DnaIndexPolicy DefaultPolicy(DnaIndex index);

}  // namespace abis::dna
