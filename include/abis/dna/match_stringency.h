// CODIS-style match stringency between two STR profiles, per locus and over the whole profile.
//   high:     identical allele sets at the locus;
//   moderate: every allele of one profile is present in the other (partial and mixed profiles);
//   low:      at least one allele in common.
// Amelogenin is never compared. A locus is compared only when both profiles type it.
// Thread-safety: stateless functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "abis/core/status.h"
#include "abis/dna/str_profile.h"

namespace abis::dna {

enum class MatchStringency { kHigh, kModerate, kLow };

// "high", "moderate", "low".
std::string_view MatchStringencyName(MatchStringency stringency);
Result<MatchStringency> ParseMatchStringency(std::string_view name);

// True when the two genotypes match at `stringency` (compares their distinct allele sets).
// REQUIRES: both genotypes have at least one allele.
bool LocusMatches(const LocusGenotype& a, const LocusGenotype& b, MatchStringency stringency);

struct ProfileComparison {
  std::size_t loci_compared = 0;
  std::size_t loci_matched = 0;
  std::vector<std::string> mismatched_loci;  // canonical names, sorted
};

ProfileComparison CompareProfiles(const StrProfile& a, const StrProfile& b, MatchStringency stringency);

// The match rule of a search: enough loci compared and at most `max_mismatched_loci` failing.
struct MatchCriteria {
  MatchStringency stringency = MatchStringency::kModerate;
  std::size_t min_loci_compared = 1;
  std::size_t max_mismatched_loci = 0;
};

bool IsMatch(const ProfileComparison& comparison, const MatchCriteria& criteria);

}  // namespace abis::dna
