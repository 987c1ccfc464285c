// Reading and writing STR profiles: CSV (`locus,allele1,allele2[,allele3][,tri_allelic]`, one
// locus per row), JSON (format "abis-str-profile" version 1), and a multi-profile CSV collection
// (`sample,[population,]locus,allele1,allele2[,allele3]`). The formats are specified in docs/DNA.md.
// Every error names the source and the line (CSV) or JSON path, e.g.
// "a.csv line 4: allele '-3' at locus D8S1179 is not a valid repeat number".
// Thread-safety: stateless functions.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "abis/core/status.h"
#include "abis/dna/str_profile.h"

namespace abis::dna {

struct ProfileParseOptions {
  bool allow_unlisted_loci = false;  // accept locus names outside the known list (as written)
  bool allow_mixture = false;        // accept up to 8 alleles per locus (mixed profiles)
};

// Inputs larger than this are rejected before parsing (a profile is a few hundred bytes).
inline constexpr std::size_t kMaxProfileBytes = 1 << 20;
// A collection file (many profiles) may be larger.
inline constexpr std::size_t kMaxCollectionBytes = std::size_t{1} << 31;

Result<StrProfile> ParseProfileCsv(std::string_view text, std::string_view source_name,
                                   const ProfileParseOptions& options = {});
Result<StrProfile> ParseProfileJson(std::string_view text, std::string_view source_name,
                                    const ProfileParseOptions& options = {});
// JSON when the first non-blank character is '{', CSV otherwise.
Result<StrProfile> ParseProfile(std::string_view text, std::string_view source_name,
                                const ProfileParseOptions& options = {});
// Reads and parses a file (size-checked). I/O failures are kIoError naming the path.
Result<StrProfile> LoadProfileFile(const std::filesystem::path& path,
                                   const ProfileParseOptions& options = {});

// The profile as JSON in the documented format (the inverse of ParseProfileJson).
nlohmann::json ProfileToJson(const StrProfile& profile);
// The profile as CSV in the documented format (the inverse of ParseProfileCsv).
std::string ProfileToCsv(const StrProfile& profile);

struct NamedProfile {
  std::string sample;
  std::string population;  // empty when the file has no population column
  StrProfile profile;
};

// Parses a collection. Rows of one sample need not be adjacent; samples keep first-seen order.
// Rows whose alleles are all empty are missing calls and are skipped.
Result<std::vector<NamedProfile>> ParseProfileCollectionCsv(std::string_view text,
                                                            std::string_view source_name,
                                                            const ProfileParseOptions& options = {});
Result<std::vector<NamedProfile>> LoadProfileCollectionFile(const std::filesystem::path& path,
                                                            const ProfileParseOptions& options = {});

// Reads a whole file, refusing files larger than `max_bytes`. Shared by the DNA loaders.
Result<std::string> ReadTextFile(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace abis::dna
