// An STR profile: canonical locus name -> the alleles typed there, plus amelogenin.
//
// Alleles are kept as listed (sorted): a homozygote written "12,12" keeps two copies, a single
// allele written "12" with an empty second column keeps one (a partial call, possible drop-out).
// Matching uses the distinct alleles; statistics use the listed form (2p rule for one allele).
// Thread-safety: value type.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "abis/dna/allele.h"

namespace abis::dna {

struct LocusGenotype {
  std::vector<Allele> alleles;  // sorted; 1 or 2 entries, 3 only with tri_allelic, more only in mixtures
  bool tri_allelic = false;     // the laboratory flagged a tri-allelic pattern at this locus

  // The distinct alleles, sorted.
  std::vector<Allele> DistinctAlleles() const;
  // "9.3/12": the listed alleles joined with '/', plus "/tri" when flagged.
  std::string Key() const;
  bool operator==(const LocusGenotype&) const = default;
};

struct StrProfile {
  std::map<std::string, LocusGenotype> loci;  // canonical locus name -> genotype, incl. AMEL

  // Loci with alleles, amelogenin excluded.
  std::size_t TypedLocusCount() const;
  // Typed loci that are among the 20 CODIS core loci.
  std::size_t TypedCoreLocusCount() const;
  bool operator==(const StrProfile&) const = default;
};

}  // namespace abis::dna
