// DNA collection files in the batch import (docs/INTEROP.md "Batch import"): one CSV of many
// profiles, `sample,[population,]locus,allele1,allele2[,allele3][,tri_allelic]`, one row per
// sample and locus (docs/DNA.md). The file is cut into one single-profile CSV per sample
// (`locus,allele1,...`), which the DNA engine parses when the person is extracted: a bad allele
// or an unknown locus fails that sample's person only, naming it, and the others go on.
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "abis/core/status.h"
#include "abis/store/records.h"
#include "abis/system/import_manifest.h"

namespace abis {

inline constexpr std::size_t kMaxDnaCollectionBytes = std::size_t{256} << 20;  // checked before reading
inline constexpr std::size_t kMaxDnaCollectionSamples = 1'000'000;

// One sample of a collection: its profile as a single-profile CSV and where its rows were.
struct CollectionSample {
  std::string profile_csv;
  std::string population;      // empty when the file has no population column
  std::size_t first_line = 0;  // of its first row in the collection file
  std::size_t rows = 0;
};

struct DnaCollection {
  std::vector<std::string> samples;  // in order of first appearance
  std::map<std::string, CollectionSample> by_sample;
};

// Cuts collection text into profiles; `sample_column` names the column holding the sample (the
// layout's "sample" unless the file calls it otherwise). A missing sample or locus column, a row
// without a sample name, more than kMaxDnaCollectionSamples samples: kInvalidArgument naming the
// line. Alleles are not checked here (the DNA engine does, per sample).
Result<DnaCollection> SplitDnaCollection(std::string_view text, std::string_view source,
                                         std::string_view sample_column = "sample");
Result<DnaCollection> ReadDnaCollection(const std::filesystem::path& file, std::string_view sample_column = "sample");

// What every person of a manifest-less collection import is created with.
struct DnaCollectionPersons {
  PersonCategory category = PersonCategory::kUnknown;
  std::string legal_basis;
  std::string retention_until;
  std::string id_prefix;  // the person's id is this prefix and the sample name
  std::string sample_column = "sample";
};

// A manifest with one person per sample of the collection (one dna row each, the sample
// selected), as if written by hand: `abis import batch --dna-collection FILE`.
Result<ImportManifest> DnaCollectionManifest(const std::filesystem::path& collection,
                                             const DnaCollectionPersons& persons);

}  // namespace abis
