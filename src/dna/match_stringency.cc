#include "abis/dna/match_stringency.h"

#include <algorithm>

#include "abis/dna/locus.h"

namespace abis::dna {

std::string_view MatchStringencyName(MatchStringency stringency) {
  switch (stringency) {
    case MatchStringency::kHigh: return "high";
    case MatchStringency::kModerate: return "moderate";
    case MatchStringency::kLow: return "low";
  }
  return "unknown";
}

Result<MatchStringency> ParseMatchStringency(std::string_view name) {
  if (name == "high") return MatchStringency::kHigh;
  if (name == "moderate" || name == "medium") return MatchStringency::kModerate;
  if (name == "low") return MatchStringency::kLow;
  return Status::InvalidArgument("unknown match stringency '" + std::string(name) + "' (high, moderate or low)");
}

bool LocusMatches(const LocusGenotype& a, const LocusGenotype& b, MatchStringency stringency) {
  const std::vector<Allele> set_a = a.DistinctAlleles();
  const std::vector<Allele> set_b = b.DistinctAlleles();
  switch (stringency) {
    case MatchStringency::kHigh:
      return set_a == set_b;
    case MatchStringency::kModerate:
      return std::includes(set_a.begin(), set_a.end(), set_b.begin(), set_b.end()) ||
             std::includes(set_b.begin(), set_b.end(), set_a.begin(), set_a.end());
    case MatchStringency::kLow:
      for (const Allele& allele : set_a) {
        if (std::binary_search(set_b.begin(), set_b.end(), allele)) return true;
      }
      return false;
  }
  return false;
}

ProfileComparison CompareProfiles(const StrProfile& a, const StrProfile& b, MatchStringency stringency) {
  ProfileComparison comparison;
  for (const auto& [locus, genotype_a] : a.loci) {
    if (locus == kAmelogenin || genotype_a.alleles.empty()) continue;
    auto it = b.loci.find(locus);
    if (it == b.loci.end() || it->second.alleles.empty()) continue;
    ++comparison.loci_compared;
    if (LocusMatches(genotype_a, it->second, stringency)) {
      ++comparison.loci_matched;
    } else {
      comparison.mismatched_loci.push_back(locus);
    }
  }
  return comparison;
}

bool IsMatch(const ProfileComparison& comparison, const MatchCriteria& criteria) {
  return comparison.loci_compared >= std::max<std::size_t>(criteria.min_loci_compared, 1) &&
         comparison.loci_compared - comparison.loci_matched <= criteria.max_mismatched_loci;
}

}  // namespace abis::dna
