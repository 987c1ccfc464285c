// Cutting a DNA collection file into single-profile CSVs, and the manifest of a collection.
#include "abis/system/dna_collection.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace abis {

Result<DnaCollection> SplitDnaCollection(std::string_view text, std::string_view source,
                                         std::string_view sample_column) {
  if (text.size() > kMaxDnaCollectionBytes) {
    return Status::ResourceExhausted(std::string(source) + " has " + std::to_string(text.size()) +
                                     " bytes, more than " + std::to_string(kMaxDnaCollectionBytes));
  }
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  ABIS_ASSIGN_OR_RETURN(std::vector<CsvRecord> records, SplitCsvRecords(text));
  if (records.empty()) {
    return Status::InvalidArgument(std::string(source) + ": empty (expected a header sample,locus,allele1,allele2)");
  }
  const std::vector<std::string>& header = records.front().cells;
  auto column_of = [&](std::string_view name) -> std::ptrdiff_t {
    auto found = std::find(header.begin(), header.end(), name);
    return found == header.end() ? -1 : found - header.begin();
  };
  const std::ptrdiff_t sample = column_of(sample_column);
  const std::ptrdiff_t population = column_of("population");
  if (sample < 0 || column_of("locus") < 0) {
    return Status::InvalidArgument(std::string(source) + " line 1: a collection needs the columns '" +
                                   std::string(sample_column) +
                                   "' and 'locus' (sample,[population,]locus,allele1,"
                                   "allele2)");
  }
  // The single-profile CSV keeps every column but the sample and population.
  std::vector<std::size_t> kept;
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (static_cast<std::ptrdiff_t>(i) != sample && static_cast<std::ptrdiff_t>(i) != population) kept.push_back(i);
  }
  auto profile_line = [&](const std::vector<std::string>& cells) {
    std::vector<std::string> out;
    for (std::size_t i : kept) out.push_back(i < cells.size() ? cells[i] : std::string());
    return CsvLine(out) + "\n";
  };
  const std::string profile_header = profile_line(header);
  DnaCollection collection;
  for (std::size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& record = records[r];
    const std::string name = static_cast<std::size_t>(sample) < record.cells.size() ? record.cells[sample] : "";
    if (name.empty()) {
      return Status::InvalidArgument(std::string(source) + " line " + std::to_string(record.line) +
                                     ": no sample name in column '" + std::string(sample_column) + "'");
    }
    auto [entry, added] = collection.by_sample.try_emplace(name);
    if (added) {
      if (collection.samples.size() >= kMaxDnaCollectionSamples) {
        return Status::ResourceExhausted(std::string(source) + " holds more than " +
                                         std::to_string(kMaxDnaCollectionSamples) + " samples");
      }
      collection.samples.push_back(name);
      entry->second.first_line = record.line;
      entry->second.profile_csv = profile_header;
      if (population >= 0 && static_cast<std::size_t>(population) < record.cells.size()) {
        entry->second.population = record.cells[population];
      }
    }
    entry->second.profile_csv += profile_line(record.cells);
    ++entry->second.rows;
  }
  return collection;
}

Result<DnaCollection> ReadDnaCollection(const std::filesystem::path& file, std::string_view sample_column) {
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(file, error);
  if (error) return Status::InvalidArgument("cannot read the DNA collection " + file.string() + ": " + error.message());
  if (size > kMaxDnaCollectionBytes) {
    return Status::ResourceExhausted("the DNA collection " + file.string() + " has " + std::to_string(size) +
                                     " bytes, more than " + std::to_string(kMaxDnaCollectionBytes));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::InvalidArgument("cannot open the DNA collection " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return SplitDnaCollection(text.str(), file.string(), sample_column);
}

Result<ImportManifest> DnaCollectionManifest(const std::filesystem::path& collection,
                                             const DnaCollectionPersons& persons) {
  ABIS_ASSIGN_OR_RETURN(DnaCollection split, ReadDnaCollection(collection, persons.sample_column));
  std::ostringstream manifest;
  manifest << "person,category,legal_basis,retention_until,modality,position,file,sample\n";
  for (const std::string& sample : split.samples) {
    manifest << CsvLine({persons.id_prefix + sample, std::string(PersonCategoryName(persons.category)),
                         persons.legal_basis, persons.retention_until, "dna", "",
                         std::filesystem::absolute(collection).string(), sample})
             << "\n";
  }
  return ParseImportManifest(manifest.str(), collection.parent_path());
}

}  // namespace abis
