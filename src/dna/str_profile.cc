#include "abis/dna/str_profile.h"

#include <algorithm>

#include "abis/dna/locus.h"

namespace abis::dna {

std::vector<Allele> LocusGenotype::DistinctAlleles() const {
  std::vector<Allele> distinct = alleles;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  return distinct;
}

std::string LocusGenotype::Key() const {
  std::string key;
  for (std::size_t i = 0; i < alleles.size(); ++i) {
    if (i > 0) key += '/';
    key += alleles[i].text();
  }
  if (tri_allelic) key += "/tri";
  return key;
}

std::size_t StrProfile::TypedLocusCount() const {
  std::size_t count = 0;
  for (const auto& [name, genotype] : loci) {
    if (name != kAmelogenin && !genotype.alleles.empty()) ++count;
  }
  return count;
}

std::size_t StrProfile::TypedCoreLocusCount() const {
  std::size_t count = 0;
  for (const auto& [name, genotype] : loci) {
    if (IsCodisCoreLocus(name) && !genotype.alleles.empty()) ++count;
  }
  return count;
}

}  // namespace abis::dna
