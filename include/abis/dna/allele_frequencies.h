// Allele frequency tables: population -> locus -> allele -> frequency, with the number of alleles
// sampled (2N) per population and locus for the NRC II minimum allele frequency 5/2N.
//
// CSV format (docs/DNA.md): lines starting with '#' are comments (citation header); a header row
// names the columns, in any order: `locus,allele,frequency` required, `population` optional
// (absent: one population named "default"), and optionally `n` (individuals sampled, N) or
// `n_alleles` (alleles sampled, 2N).
// Thread-safety: immutable after loading; const methods are safe to call concurrently.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abis/core/status.h"
#include "abis/dna/allele.h"

namespace abis::dna {

struct LocusFrequencies {
  std::map<std::string, double> frequency_by_allele;  // canonical allele text -> observed frequency
  std::optional<std::size_t> alleles_sampled;         // 2N, when the table gives it
};

class PopulationFrequencies {
 public:
  PopulationFrequencies() = default;
  explicit PopulationFrequencies(std::string name) : name_(std::move(name)) {}

  const std::string& name() const { return name_; }
  const std::map<std::string, LocusFrequencies>& loci() const { return loci_; }
  bool HasLocus(std::string_view locus) const { return loci_.contains(std::string(locus)); }

  // The frequency to use in calculations: max(observed, 5/2N) (NRC II 1996, minimum allele
  // frequency), and 5/2N for alleles absent from the table (off-ladder and rare alleles).
  // Without 2N for the locus, `fallback_minimum` is the floor; if it is 0 an absent allele is
  // kNotFound. A locus absent from the population is kNotFound.
  Result<double> Frequency(std::string_view locus, const Allele& allele,
                           double fallback_minimum = 0.0) const;

  // Adds or checks one row; used by the loader. Duplicates and bad values are kInvalidArgument.
  Status AddRow(const std::string& locus, const std::string& allele, double frequency,
                std::optional<std::size_t> alleles_sampled);

 private:
  std::string name_;
  std::map<std::string, LocusFrequencies> loci_;
};

class AlleleFrequencyTable {
 public:
  // Parses a table (see the format above). Errors name the source and line. Each locus's
  // frequencies must sum to at most 1.02 (rounding), every frequency must lie in (0, 1].
  static Result<AlleleFrequencyTable> ParseCsv(std::string_view text, std::string_view source_name);
  static Result<AlleleFrequencyTable> LoadFile(const std::filesystem::path& path);
  // The table shipped with the project: <resource dir>/dna/fbi2015_allele_frequencies.csv.
  static std::filesystem::path ShippedTablePath();

  std::vector<std::string> PopulationNames() const;
  // kNotFound listing the available names when `name` is absent. Case-insensitive.
  Result<const PopulationFrequencies*> Population(std::string_view name) const;
  const std::map<std::string, PopulationFrequencies>& populations() const { return populations_; }

 private:
  std::map<std::string, PopulationFrequencies> populations_;
};

}  // namespace abis::dna
