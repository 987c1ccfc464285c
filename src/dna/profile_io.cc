#include "abis/dna/profile_io.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>

#include "abis/dna/locus.h"
#include "csv_reader.h"

namespace abis::dna {
namespace {

using internal::CsvHeader;
using internal::CsvReader;
using internal::CsvRow;

constexpr std::size_t kMaxAllelesPerLocus = 8;
const std::vector<std::string_view> kAlleleColumns = {"allele1", "allele2", "allele3", "allele4",
                                                       "allele5", "allele6", "allele7", "allele8"};

Result<bool> ParseFlag(std::string_view text) {
  std::string lower;
  for (char c : text) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (lower.empty() || lower == "0" || lower == "no" || lower == "false" || lower == "n") return false;
  if (lower == "1" || lower == "yes" || lower == "true" || lower == "y") return true;
  return Status::InvalidArgument("tri_allelic flag '" + std::string(text) + "' is not yes/no/true/false/1/0");
}

// Builds one locus from its written name and allele designations. `where` prefixes errors.
// Returns an empty genotype (no alleles) for a missing call.
Result<std::pair<std::string, LocusGenotype>> BuildLocus(std::string_view locus_written,
                                                         const std::vector<std::string>& allele_texts,
                                                         bool tri_allelic, const ProfileParseOptions& options,
                                                         const std::string& where) {
  auto locus = CanonicalLocusName(locus_written, options.allow_unlisted_loci);
  if (!locus.ok()) return locus.status().WithContext(where.substr(0, where.size() - 2));
  const bool amelogenin = *locus == kAmelogenin;
  LocusGenotype genotype;
  genotype.tri_allelic = tri_allelic;
  for (const std::string& text : allele_texts) {
    if (text.empty()) continue;
    auto allele = Allele::Parse(text, amelogenin);
    if (!allele.ok()) {
      return Status::InvalidArgument(where + allele.status().message() + " at locus " + *locus);
    }
    genotype.alleles.push_back(std::move(allele).value());
  }
  std::sort(genotype.alleles.begin(), genotype.alleles.end());
  const std::size_t listed = genotype.alleles.size();
  const std::size_t distinct = genotype.DistinctAlleles().size();
  if (listed == 0) {
    if (tri_allelic) return Status::InvalidArgument(where + "locus " + *locus + " is flagged tri-allelic but has no alleles");
    return std::pair{*locus, genotype};
  }
  if (amelogenin) {
    if (listed > 2) return Status::InvalidArgument(where + "amelogenin has " + std::to_string(listed) + " calls; at most 2 (X, Y)");
    if (tri_allelic) return Status::InvalidArgument(where + "amelogenin cannot be flagged tri-allelic");
    return std::pair{*locus, genotype};
  }
  if (tri_allelic) {
    if (listed != 3 || distinct != 3) {
      return Status::InvalidArgument(where + "locus " + *locus + " is flagged tri-allelic but lists " +
                                     std::to_string(distinct) + " distinct alleles (3 required)");
    }
  } else if (listed > 2 && !options.allow_mixture) {
    return Status::InvalidArgument(where + "locus " + *locus + " has " + std::to_string(listed) +
                                   " alleles; a single-source profile has at most 2 (flag a tri-allelic "
                                   "pattern in the tri_allelic column, or parse as a mixture)");
  }
  if (listed > kMaxAllelesPerLocus) {
    return Status::InvalidArgument(where + "locus " + *locus + " has more than " +
                                   std::to_string(kMaxAllelesPerLocus) + " alleles");
  }
  return std::pair{*locus, genotype};
}

std::vector<std::string_view> ProfileColumns(bool collection) {
  std::vector<std::string_view> columns;
  if (collection) {
    columns.push_back("sample");
    columns.push_back("population");
  }
  columns.push_back("locus");
  columns.insert(columns.end(), kAlleleColumns.begin(), kAlleleColumns.end());
  columns.push_back("tri_allelic");
  return columns;
}

// Reads the allele fields and flag of a data row into a locus.
Result<std::pair<std::string, LocusGenotype>> LocusFromRow(const CsvRow& row, const CsvHeader& header,
                                                           const CsvReader& reader,
                                                           const ProfileParseOptions& options) {
  const std::string where = reader.Where(row.line);
  if (row.fields.size() > header.size()) {
    return Status::InvalidArgument(where + "row has " + std::to_string(row.fields.size()) +
                                   " fields but the header names " + std::to_string(header.size()));
  }
  std::string_view locus = header.Field(row, "locus");
  if (locus.empty()) return Status::InvalidArgument(where + "empty locus name");
  std::vector<std::string> alleles;
  for (std::string_view column : kAlleleColumns) {
    if (header.Column(column)) alleles.emplace_back(header.Field(row, column));
  }
  auto tri = ParseFlag(header.Field(row, "tri_allelic"));
  if (!tri.ok()) return Status::InvalidArgument(where + tri.status().message());
  return BuildLocus(locus, alleles, *tri, options, where);
}

Status CheckNotEmpty(const StrProfile& profile, std::string_view source_name) {
  if (profile.TypedLocusCount() == 0) {
    return Status::InvalidArgument(std::string(source_name) + ": profile has no typed STR locus");
  }
  return Status::Ok();
}

Result<std::string> AlleleTextFromJson(const nlohmann::json& value, const std::string& where) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return std::string();
  if (value.is_number_integer()) return std::to_string(value.get<long long>());
  if (value.is_number_float()) {
    double number = value.get<double>();
    double tenths = number * 10.0;
    if (!std::isfinite(number) || std::fabs(tenths - std::round(tenths)) > 1e-6) {
      return Status::InvalidArgument(where + "allele " + value.dump() + " is not a repeat number with at most one decimal");
    }
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f", number);
    return std::string(buffer);
  }
  return Status::InvalidArgument(where + "allele " + value.dump() + " is neither a string nor a number");
}

}  // namespace

Result<StrProfile> ParseProfileCsv(std::string_view text, std::string_view source_name,
                                   const ProfileParseOptions& options) {
  if (text.size() > kMaxProfileBytes) {
    return Status::InvalidArgument(std::string(source_name) + ": profile of " + std::to_string(text.size()) +
                                   " bytes exceeds the limit of " + std::to_string(kMaxProfileBytes));
  }
  CsvReader reader(text, source_name);
  ABIS_ASSIGN_OR_RETURN(auto header_row, reader.Next());
  if (!header_row) return Status::InvalidArgument(std::string(source_name) + ": empty file (expected a header locus,allele1,allele2)");
  ABIS_ASSIGN_OR_RETURN(CsvHeader header,
                        CsvHeader::Parse(*header_row, ProfileColumns(false), {"locus", "allele1"}, reader));
  StrProfile profile;
  std::map<std::string, std::size_t> line_of_locus;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(auto row, reader.Next());
    if (!row) break;
    ABIS_ASSIGN_OR_RETURN(auto locus, LocusFromRow(*row, header, reader, options));
    auto [it, inserted] = line_of_locus.emplace(locus.first, row->line);
    if (!inserted) {
      return Status::InvalidArgument(reader.Where(row->line) + "duplicate locus " + locus.first +
                                     " (first given on line " + std::to_string(it->second) + ")");
    }
    if (!locus.second.alleles.empty()) profile.loci.emplace(std::move(locus.first), std::move(locus.second));
  }
  ABIS_RETURN_IF_ERROR(CheckNotEmpty(profile, source_name));
  return profile;
}

Result<StrProfile> ParseProfileJson(std::string_view text, std::string_view source_name,
                                    const ProfileParseOptions& options) {
  const std::string source(source_name);
  if (text.size() > kMaxProfileBytes) {
    return Status::InvalidArgument(source + ": profile of " + std::to_string(text.size()) + " bytes exceeds the limit of " +
                                   std::to_string(kMaxProfileBytes));
  }
  nlohmann::json document = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return Status::InvalidArgument(source + ": not valid JSON");
  if (!document.is_object()) return Status::InvalidArgument(source + ": the profile must be a JSON object");
  if (document.contains("format") && document["format"] != "abis-str-profile") {
    return Status::InvalidArgument(source + ": format " + document["format"].dump() + " is not \"abis-str-profile\"");
  }
  if (document.contains("version") && document["version"] != 1) {
    return Status::Unimplemented(source + ": profile format version " + document["version"].dump() +
                                 " is not supported (this build reads version 1)");
  }
  if (!document.contains("loci") || !document["loci"].is_object()) {
    return Status::InvalidArgument(source + ": missing object \"loci\"");
  }
  StrProfile profile;
  std::map<std::string, std::string> written_name;
  for (const auto& [name, value] : document["loci"].items()) {
    const std::string where = source + " loci[\"" + name + "\"]: ";
    const nlohmann::json* alleles = &value;
    bool tri_allelic = false;
    if (value.is_object()) {
      if (!value.contains("alleles")) return Status::InvalidArgument(where + "missing \"alleles\"");
      alleles = &value["alleles"];
      if (value.contains("tri_allelic")) {
        if (!value["tri_allelic"].is_boolean()) return Status::InvalidArgument(where + "\"tri_allelic\" must be true or false");
        tri_allelic = value["tri_allelic"].get<bool>();
      }
    }
    if (!alleles->is_array()) return Status::InvalidArgument(where + "alleles must be an array");
    std::vector<std::string> texts;
    for (const auto& allele : *alleles) {
      ABIS_ASSIGN_OR_RETURN(std::string allele_text, AlleleTextFromJson(allele, where));
      texts.push_back(std::move(allele_text));
    }
    ABIS_ASSIGN_OR_RETURN(auto locus, BuildLocus(name, texts, tri_allelic, options, where));
    auto [it, inserted] = written_name.emplace(locus.first, name);
    if (!inserted) {
      return Status::InvalidArgument(where + "duplicate locus " + locus.first + " (also given as \"" + it->second + "\")");
    }
    if (!locus.second.alleles.empty()) profile.loci.emplace(std::move(locus.first), std::move(locus.second));
  }
  ABIS_RETURN_IF_ERROR(CheckNotEmpty(profile, source_name));
  return profile;
}

Result<StrProfile> ParseProfile(std::string_view text, std::string_view source_name,
                                const ProfileParseOptions& options) {
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') return ParseProfileJson(text, source_name, options);
  return ParseProfileCsv(text, source_name, options);
}

Result<std::string> ReadTextFile(const std::filesystem::path& path, std::size_t max_bytes) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) return Status::IoError("cannot read " + path.string() + ": " + error.message());
  if (size > max_bytes) {
    return Status::InvalidArgument(path.string() + ": " + std::to_string(size) + " bytes exceeds the limit of " +
                                   std::to_string(max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot open " + path.string());
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (!in) return Status::IoError("short read from " + path.string());
  return text;
}

Result<StrProfile> LoadProfileFile(const std::filesystem::path& path, const ProfileParseOptions& options) {
  ABIS_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path, kMaxProfileBytes));
  return ParseProfile(text, path.string(), options);
}

nlohmann::json ProfileToJson(const StrProfile& profile) {
  nlohmann::json loci = nlohmann::json::object();
  for (const auto& [name, genotype] : profile.loci) {
    nlohmann::json alleles = nlohmann::json::array();
    for (const Allele& allele : genotype.alleles) alleles.push_back(allele.text());
    if (genotype.tri_allelic) {
      loci[name] = {{"alleles", alleles}, {"tri_allelic", true}};
    } else {
      loci[name] = alleles;
    }
  }
  return {{"format", "abis-str-profile"}, {"version", 1}, {"loci", loci}};
}

std::string ProfileToCsv(const StrProfile& profile) {
  std::size_t width = 2;
  bool any_tri = false;
  for (const auto& [name, genotype] : profile.loci) {
    width = std::max(width, genotype.alleles.size());
    any_tri = any_tri || genotype.tri_allelic;
  }
  std::ostringstream out;
  out << "locus";
  for (std::size_t i = 0; i < width; ++i) out << ",allele" << i + 1;
  if (any_tri) out << ",tri_allelic";
  out << '\n';
  for (const auto& [name, genotype] : profile.loci) {
    out << (name.find(',') == std::string::npos ? name : "\"" + name + "\"");
    for (std::size_t i = 0; i < width; ++i) out << ',' << (i < genotype.alleles.size() ? genotype.alleles[i].text() : "");
    if (any_tri) out << ',' << (genotype.tri_allelic ? "yes" : "");
    out << '\n';
  }
  return out.str();
}

Result<std::vector<NamedProfile>> ParseProfileCollectionCsv(std::string_view text, std::string_view source_name,
                                                            const ProfileParseOptions& options) {
  if (text.size() > kMaxCollectionBytes) {
    return Status::InvalidArgument(std::string(source_name) + ": collection exceeds " + std::to_string(kMaxCollectionBytes) + " bytes");
  }
  CsvReader reader(text, source_name);
  ABIS_ASSIGN_OR_RETURN(auto header_row, reader.Next());
  if (!header_row) return Status::InvalidArgument(std::string(source_name) + ": empty file (expected a header sample,locus,allele1,allele2)");
  ABIS_ASSIGN_OR_RETURN(CsvHeader header,
                        CsvHeader::Parse(*header_row, ProfileColumns(true), {"sample", "locus", "allele1"}, reader));
  std::vector<NamedProfile> profiles;
  std::unordered_map<std::string, std::size_t> index_of_sample;
  std::map<std::pair<std::size_t, std::string>, std::size_t> line_of_locus;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(auto row, reader.Next());
    if (!row) break;
    std::string sample(header.Field(*row, "sample"));
    if (sample.empty()) return Status::InvalidArgument(reader.Where(row->line) + "empty sample name");
    ABIS_ASSIGN_OR_RETURN(auto locus, LocusFromRow(*row, header, reader, options));
    auto [it, inserted] = index_of_sample.emplace(sample, profiles.size());
    if (inserted) profiles.push_back({sample, std::string(header.Field(*row, "population")), {}});
    auto [line_it, new_locus] = line_of_locus.emplace(std::pair{it->second, locus.first}, row->line);
    if (!new_locus) {
      return Status::InvalidArgument(reader.Where(row->line) + "duplicate locus " + locus.first + " for sample " +
                                     sample + " (first given on line " + std::to_string(line_it->second) + ")");
    }
    if (!locus.second.alleles.empty()) {
      profiles[it->second].profile.loci.emplace(std::move(locus.first), std::move(locus.second));
    }
  }
  for (const NamedProfile& named : profiles) {
    ABIS_RETURN_IF_ERROR(CheckNotEmpty(named.profile, std::string(source_name) + " sample " + named.sample));
  }
  return profiles;
}

Result<std::vector<NamedProfile>> LoadProfileCollectionFile(const std::filesystem::path& path,
                                                            const ProfileParseOptions& options) {
  ABIS_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path, kMaxCollectionBytes));
  return ParseProfileCollectionCsv(text, path.string(), options);
}

}  // namespace abis::dna
