#include "abis/dna/dna_index.h"

#include <array>
#include <string>

namespace abis::dna {
namespace {

constexpr std::array<DnaIndex, 5> kIndexes = {DnaIndex::kOffenderArrestee, DnaIndex::kForensicUnknown,
                                              DnaIndex::kMissingPerson, DnaIndex::kUnidentifiedHumanRemains,
                                              DnaIndex::kRelativesOfMissingPersons};

}  // namespace

std::span<const DnaIndex> AllDnaIndexes() { return kIndexes; }

std::string_view DnaIndexName(DnaIndex index) {
  switch (index) {
    case DnaIndex::kOffenderArrestee: return "offender_arrestee";
    case DnaIndex::kForensicUnknown: return "forensic_unknown";
    case DnaIndex::kMissingPerson: return "missing_person";
    case DnaIndex::kUnidentifiedHumanRemains: return "unidentified_human_remains";
    case DnaIndex::kRelativesOfMissingPersons: return "relatives_of_missing_persons";
  }
  return "unknown";
}

Result<DnaIndex> ParseDnaIndex(std::string_view name) {
  for (DnaIndex index : kIndexes) {
    if (DnaIndexName(index) == name) return index;
  }
  return Status::InvalidArgument("unknown DNA index '" + std::string(name) +
                                 "' (offender_arrestee, forensic_unknown, missing_person, unidentified_human_remains, "
                                 "relatives_of_missing_persons)");
}

DnaIndexPolicy DefaultPolicy(DnaIndex index) {
  switch (index) {
    // Reference samples are typed at all 20 core loci (NDIS requirement for offender/arrestee
    // profiles since 2017); forensic unknowns search them at moderate stringency.
    case DnaIndex::kOffenderArrestee: return {index, 20, MatchStringency::kModerate};
    // Crime-scene profiles may be partial: at least 8 of the core loci, moderate stringency.
    case DnaIndex::kForensicUnknown: return {index, 8, MatchStringency::kModerate};
    // Personal effects of a missing person (toothbrush ...) and remains are often degraded.
    case DnaIndex::kMissingPerson: return {index, 8, MatchStringency::kModerate};
    case DnaIndex::kUnidentifiedHumanRemains: return {index, 8, MatchStringency::kModerate};
    // Family reference samples are fresh buccal swabs: complete profiles are expected; they are
    // searched by kinship, not by identity (low stringency finds candidate relatives).
    case DnaIndex::kRelativesOfMissingPersons: return {index, 20, MatchStringency::kLow};
  }
  return {};
}

}  // namespace abis::dna
