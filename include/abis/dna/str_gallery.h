// The 1:N DNA search structure: profiles stored as per-locus genotype codes (one 16-bit code per
// locus and profile, a row of a few dozen bytes), plus an inverted index per locus from genotype
// code to the profiles that carry it. A search decides for every distinct genotype of a locus
// whether it matches the probe at the chosen stringency, picks the locus (or, when mismatches are
// allowed, the m+1 loci) whose matching postings are shortest, and verifies only those profiles.
// Any profile that matches must appear there, so the search is exact, and it touches about the
// genotype frequency of the probe's rarest locus (typically 1-3 % of the gallery at high or
// moderate stringency).
//
// Thread-safety: concurrent Search() calls are safe; Add/Remove need exclusive access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "abis/core/status.h"
#include "abis/dna/match_stringency.h"
#include "abis/dna/str_profile.h"

namespace abis::dna {

struct StrGalleryOptions {
  MatchCriteria criteria;          // stringency, minimum loci compared, mismatches allowed
  std::size_t min_core_loci_to_enroll = 0;  // the index's searchability rule (dna_index.h)
  std::size_t search_threads = 2;  // verification slices for large candidate sets (on the shared SearchExecutor)
};

struct StrSearchHit {
  std::int64_t reference_id = 0;
  std::size_t loci_compared = 0;
  std::size_t loci_matched = 0;
};

struct StrSearchStats {
  std::size_t profiles = 0;             // live profiles in the gallery
  std::size_t candidates_verified = 0;  // postings visited (the "touched" profiles)
};

class StrGallery {
 public:
  explicit StrGallery(StrGalleryOptions options);

  // Adds or replaces the profile under `reference_id`. A profile with fewer typed core loci than
  // the enrolment rule, or with more than 65535 distinct genotypes at a locus in the gallery, is
  // rejected (kInvalidArgument / kResourceExhausted).
  Status Add(std::int64_t reference_id, const StrProfile& profile);
  void Remove(std::int64_t reference_id);
  std::size_t size() const { return id_to_slot_.size(); }
  void Reserve(std::size_t profiles);

  // All matching profiles under the gallery's criteria, most loci matched first (ties: id). A probe
  // with fewer typed loci than criteria.min_loci_compared is kInvalidArgument.
  Result<std::vector<StrSearchHit>> Search(const StrProfile& probe, StrSearchStats* stats = nullptr) const;

  // The stored profile, rebuilt from its codes; kNotFound when absent.
  Result<StrProfile> Get(std::int64_t reference_id) const;

  const StrGalleryOptions& options() const { return options_; }

 private:
  struct LocusColumn {
    std::string name;
    std::vector<LocusGenotype> genotypes;                 // code-1 -> genotype; code 0 = untyped
    std::vector<std::vector<Allele>> distinct_alleles;    // code-1 -> distinct alleles
    std::unordered_map<std::string, std::uint16_t> code_by_key;
    std::vector<std::vector<std::uint32_t>> postings;     // code -> slots (code 0 = untyped)
  };

  Result<std::size_t> ColumnFor(const std::string& locus);
  Result<std::uint16_t> Intern(LocusColumn& column, const LocusGenotype& genotype);
  void Restride(std::size_t new_stride);
  void CompactIfWorthwhile();

  StrGalleryOptions options_;
  std::vector<LocusColumn> columns_;
  std::unordered_map<std::string, std::size_t> column_by_locus_;
  std::size_t stride_ = 0;                 // codes per row (>= columns_.size())
  std::vector<std::uint16_t> codes_;       // slot * stride_ + column
  std::vector<std::int64_t> slot_ids_;
  std::vector<std::uint8_t> slot_alive_;
  std::unordered_map<std::int64_t, std::uint32_t> id_to_slot_;
  std::size_t dead_slots_ = 0;
};

}  // namespace abis::dna
