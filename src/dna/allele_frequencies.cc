#include "abis/dna/allele_frequencies.h"

#include <cctype>
#include <charconv>
#include <cmath>

#include "abis/core/paths.h"
#include "abis/dna/locus.h"
#include "abis/dna/profile_io.h"
#include "csv_reader.h"

namespace abis::dna {
namespace {

constexpr std::size_t kMaxTableBytes = 64u << 20;
constexpr double kMaxLocusSum = 1.02;

std::string Lower(std::string_view text) {
  std::string out;
  for (char c : text) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

bool ParseDouble(std::string_view text, double* value) {
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, *value);
  return error == std::errc() && ptr == end && std::isfinite(*value);
}

bool ParseCount(std::string_view text, std::size_t* value) {
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, *value);
  return error == std::errc() && ptr == end;
}

}  // namespace

Result<double> PopulationFrequencies::Frequency(std::string_view locus, const Allele& allele,
                                                double fallback_minimum) const {
  auto locus_it = loci_.find(std::string(locus));
  if (locus_it == loci_.end()) {
    return Status::NotFound("population '" + name_ + "' has no frequencies for locus " + std::string(locus));
  }
  const LocusFrequencies& frequencies = locus_it->second;
  double floor = fallback_minimum;
  if (frequencies.alleles_sampled && *frequencies.alleles_sampled > 0) {
    floor = 5.0 / static_cast<double>(*frequencies.alleles_sampled);
  }
  auto allele_it = frequencies.frequency_by_allele.find(allele.text());
  if (allele_it == frequencies.frequency_by_allele.end()) {
    if (floor <= 0.0) {
      return Status::NotFound("allele " + allele.text() + " at locus " + std::string(locus) + " is not in population '" +
                              name_ + "' and the table gives no sample size for the 5/2N minimum frequency");
    }
    return std::min(floor, 1.0);
  }
  return std::min(std::max(allele_it->second, floor), 1.0);
}

Status PopulationFrequencies::AddRow(const std::string& locus, const std::string& allele, double frequency,
                                     std::optional<std::size_t> alleles_sampled) {
  if (!(frequency > 0.0 && frequency <= 1.0)) {
    return Status::InvalidArgument("frequency " + std::to_string(frequency) + " is outside (0, 1]");
  }
  LocusFrequencies& entry = loci_[locus];
  if (alleles_sampled) {
    if (entry.frequency_by_allele.empty() && !entry.alleles_sampled) {
      entry.alleles_sampled = alleles_sampled;
    } else if (entry.alleles_sampled != alleles_sampled) {
      return Status::InvalidArgument("sample size " + std::to_string(*alleles_sampled) + " differs from " +
                                     (entry.alleles_sampled ? std::to_string(*entry.alleles_sampled) : "none") +
                                     " given earlier for locus " + locus);
    }
  } else if (entry.alleles_sampled) {
    return Status::InvalidArgument("row lacks the sample size given earlier for locus " + locus);
  }
  auto [it, inserted] = entry.frequency_by_allele.emplace(allele, frequency);
  if (!inserted) return Status::InvalidArgument("allele " + allele + " at locus " + locus + " appears twice");
  return Status::Ok();
}

Result<AlleleFrequencyTable> AlleleFrequencyTable::ParseCsv(std::string_view text, std::string_view source_name) {
  using internal::CsvHeader;
  using internal::CsvReader;
  if (text.size() > kMaxTableBytes) {
    return Status::InvalidArgument(std::string(source_name) + ": frequency table exceeds " + std::to_string(kMaxTableBytes) + " bytes");
  }
  CsvReader reader(text, source_name);
  ABIS_ASSIGN_OR_RETURN(auto header_row, reader.Next());
  if (!header_row) return Status::InvalidArgument(std::string(source_name) + ": empty file (expected a header locus,allele,frequency)");
  ABIS_ASSIGN_OR_RETURN(CsvHeader header,
                        CsvHeader::Parse(*header_row, {"population", "locus", "allele", "frequency", "n", "n_alleles"},
                                         {"locus", "allele", "frequency"}, reader));
  if (header.Column("n") && header.Column("n_alleles")) {
    return Status::InvalidArgument(reader.Where(header_row->line) + "give either n (individuals) or n_alleles (2N), not both");
  }
  AlleleFrequencyTable table;
  std::map<std::string, std::string> display_name_by_key;
  while (true) {
    ABIS_ASSIGN_OR_RETURN(auto row, reader.Next());
    if (!row) break;
    const std::string where = reader.Where(row->line);
    if (row->fields.size() != header.size()) {
      return Status::InvalidArgument(where + "row has " + std::to_string(row->fields.size()) + " fields, the header " +
                                     std::to_string(header.size()));
    }
    std::string population(header.Column("population") ? header.Field(*row, "population") : "default");
    if (population.empty()) return Status::InvalidArgument(where + "empty population name");
    auto locus = CanonicalLocusName(header.Field(*row, "locus"), /*allow_unlisted=*/true);
    if (!locus.ok()) return Status::InvalidArgument(where + locus.status().message());
    if (*locus == kAmelogenin) return Status::InvalidArgument(where + "amelogenin has no allele frequencies");
    auto allele = Allele::Parse(header.Field(*row, "allele"));
    if (!allele.ok()) return Status::InvalidArgument(where + allele.status().message());
    double frequency = 0.0;
    if (!ParseDouble(header.Field(*row, "frequency"), &frequency)) {
      return Status::InvalidArgument(where + "frequency '" + std::string(header.Field(*row, "frequency")) + "' is not a number");
    }
    std::optional<std::size_t> alleles_sampled;
    for (std::string_view column : {"n", "n_alleles"}) {
      if (!header.Column(column)) continue;
      std::size_t count = 0;
      std::string_view field = header.Field(*row, column);
      if (field.empty()) continue;
      if (!ParseCount(field, &count) || count == 0) {
        return Status::InvalidArgument(where + std::string(column) + " '" + std::string(field) + "' is not a positive integer");
      }
      alleles_sampled = column == "n" ? 2 * count : count;
    }
    const std::string key = Lower(population);
    auto [name_it, new_population] = display_name_by_key.emplace(key, population);
    auto [pop_it, inserted] = table.populations_.try_emplace(name_it->second, PopulationFrequencies(name_it->second));
    (void)new_population;
    (void)inserted;
    Status added = pop_it->second.AddRow(*locus, allele->text(), frequency, alleles_sampled);
    if (!added.ok()) return Status::InvalidArgument(where + added.message());
  }
  if (table.populations_.empty()) return Status::InvalidArgument(std::string(source_name) + ": no frequency rows");
  for (const auto& [population_name, population] : table.populations_) {
    for (const auto& [locus, frequencies] : population.loci()) {
      double sum = 0.0;
      for (const auto& [allele, frequency] : frequencies.frequency_by_allele) sum += frequency;
      if (sum > kMaxLocusSum) {
        return Status::InvalidArgument(std::string(source_name) + ": frequencies of locus " + locus + " in population '" +
                                       population_name + "' sum to " + std::to_string(sum) + " (more than 1)");
      }
    }
  }
  return table;
}

Result<AlleleFrequencyTable> AlleleFrequencyTable::LoadFile(const std::filesystem::path& path) {
  ABIS_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path, kMaxTableBytes));
  return ParseCsv(text, path.string());
}

std::filesystem::path AlleleFrequencyTable::ShippedTablePath() {
  return ResourceDir() / "dna" / "fbi2015_allele_frequencies.csv";
}

std::vector<std::string> AlleleFrequencyTable::PopulationNames() const {
  std::vector<std::string> names;
  for (const auto& [name, population] : populations_) names.push_back(name);
  return names;
}

Result<const PopulationFrequencies*> AlleleFrequencyTable::Population(std::string_view name) const {
  const std::string key = Lower(name);
  for (const auto& [population_name, population] : populations_) {
    if (Lower(population_name) == key) return &population;
  }
  std::string list;
  for (const auto& [population_name, population] : populations_) list += (list.empty() ? "" : ", ") + population_name;
  return Status::NotFound("population '" + std::string(name) + "' is not in the frequency table (available: " + list + ")");
}

}  // namespace abis::dna
