// The batch import manifest: a small RFC 4180 CSV reader (quoted fields, CRLF) and the checks of
// each row, grouped by person.
#include "abis/system/import_manifest.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

namespace abis {
namespace {

constexpr std::string_view kRequiredColumns[] = {"person",   "category", "legal_basis", "retention_until",
                                                 "modality", "position", "file"};

std::string At(std::size_t line) { return "line " + std::to_string(line) + ": "; }

}  // namespace

Result<std::vector<CsvRecord>> SplitCsvRecords(std::string_view text) {
  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string cell;
  std::size_t line = 1;
  record.line = 1;
  bool quoted = false;
  bool any = false;  // the record has content (blank lines are skipped)
  std::size_t quote_line = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        cell += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      quote_line = line;
      any = true;
    } else if (c == ',') {
      record.cells.push_back(std::move(cell));
      cell.clear();
      any = true;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    } else if (c == '\n') {
      if (any || !cell.empty()) {
        record.cells.push_back(std::move(cell));
        records.push_back(std::move(record));
      }
      cell.clear();
      record = CsvRecord();
      any = false;
      record.line = ++line;
    } else {
      cell += c;
      any = true;
    }
  }
  if (quoted) return Status::InvalidArgument("line " + std::to_string(quote_line) + ": a quoted field is never closed");
  if (any || !cell.empty()) {
    record.cells.push_back(std::move(cell));
    records.push_back(std::move(record));
  }
  return records;
}

std::string CsvLine(const std::vector<std::string>& cells) {
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out += ',';
    const std::string& cell = cells[i];
    if (cell.find_first_of(",\"\r\n") == std::string::npos) {
      out += cell;
      continue;
    }
    out += '"';
    for (char c : cell) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }
  return out;
}

Result<ImportManifest> ParseImportManifest(std::string_view text, const std::filesystem::path& folder) {
  if (text.size() > kMaxManifestBytes) {
    return Status::ResourceExhausted("the manifest has " + std::to_string(text.size()) + " bytes, more than " +
                                     std::to_string(kMaxManifestBytes));
  }
  if (static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) > kMaxManifestRows + 1) {
    return Status::ResourceExhausted("the manifest has more than " + std::to_string(kMaxManifestRows) + " rows");
  }
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  ABIS_ASSIGN_OR_RETURN(std::vector<CsvRecord> records, SplitCsvRecords(text));
  if (records.empty()) return Status::InvalidArgument("the manifest is empty: it needs a header line");

  ImportManifest manifest;
  manifest.header = records.front().cells;
  std::map<std::string, std::size_t> column;
  for (std::size_t i = 0; i < manifest.header.size(); ++i) {
    if (!column.emplace(manifest.header[i], i).second) {
      return Status::InvalidArgument("line 1: the column '" + manifest.header[i] + "' appears twice");
    }
  }
  for (std::string_view required : kRequiredColumns) {
    if (!column.contains(std::string(required))) {
      return Status::InvalidArgument(
          "line 1: the header lacks the column '" + std::string(required) +
          "' (required: person,category,legal_basis,retention_until,modality,position,file)");
    }
  }
  auto cell = [&](const CsvRecord& record, std::string_view name) -> std::string {
    auto found = column.find(std::string(name));
    return found == column.end() ? std::string() : record.cells[found->second];
  };

  std::map<std::string, std::size_t> person_index;
  for (std::size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& record = records[r];
    ++manifest.rows;
    const std::string external_id = record.cells.empty() ? std::string() : record.cells[column["person"]];
    std::vector<std::string> errors;
    ManifestRow row;
    row.line = record.line;
    row.cells = record.cells;
    if (record.cells.size() != manifest.header.size()) {
      errors.push_back(At(record.line) + std::to_string(record.cells.size()) + " cells, the header has " +
                       std::to_string(manifest.header.size()));
      row.cells.resize(manifest.header.size());
    }
    if (external_id.empty()) {
      // A row without a person belongs to nobody: it is reported on its own.
      errors.push_back(At(record.line) + "no person id");
    }
    Person person;
    person.external_id = external_id;
    std::string encounter_kind = "enrollment";
    if (errors.empty()) {
      auto category = ParsePersonCategory(cell(record, "category"));
      if (category.ok()) {
        person.category = *category;
      } else {
        errors.push_back(At(record.line) + category.status().message());
      }
      person.legal_basis = cell(record, "legal_basis");
      person.retention_until = cell(record, "retention_until");
      if (person.legal_basis.empty()) errors.push_back(At(record.line) + "no legal_basis");
      if (person.retention_until.empty()) errors.push_back(At(record.line) + "no retention_until");
      if (cell(record, "modality") == kTransactionModality) {
        row.encounter_file = true;
      } else if (auto modality = ParseModality(cell(record, "modality")); modality.ok()) {
        row.modality = *modality;
      } else {
        errors.push_back(At(record.line) + modality.status().message() + " (or " + std::string(kTransactionModality) +
                         ": an ANSI/NIST-ITL transaction)");
      }
      if (const std::string position = cell(record, "position"); !position.empty() && row.encounter_file) {
        errors.push_back(At(record.line) + "a " + std::string(kTransactionModality) +
                         " row has no position (the transaction states its fingers')");
      } else if (!position.empty()) {
        auto parsed = ParseFingerPosition(position);
        if (parsed.ok()) {
          row.position = *parsed;
        } else {
          errors.push_back(At(record.line) + parsed.status().message());
        }
      }
      const std::string file = cell(record, "file");
      if (file.empty()) {
        errors.push_back(At(record.line) + "no file");
      } else {
        const std::filesystem::path path(file);
        row.file = path.is_absolute() ? path : folder / path;
      }
      if (const std::string options = cell(record, "sample_options"); !options.empty()) {
        row.sample_options = nlohmann::json::parse(options, nullptr, false);
        if (!row.sample_options.is_object()) {
          errors.push_back(At(record.line) + "sample_options is not a JSON object");
          row.sample_options = nlohmann::json::object();
        }
      }
      if (const std::string kind = cell(record, "encounter"); !kind.empty()) encounter_kind = kind;
      if (const std::string sample = cell(record, "sample"); !sample.empty()) {
        if (row.modality != Modality::kDna || row.encounter_file) {
          errors.push_back(At(record.line) + "a sample of a collection file is for dna rows only");
        }
        row.collection_sample = sample;
      }
    }

    auto [entry, added] = person_index.emplace(external_id, manifest.persons.size());
    if (added || external_id.empty()) {
      if (!added) entry->second = manifest.persons.size();
      ManifestPerson fresh;
      fresh.person = person;
      fresh.encounter_kind = encounter_kind;
      manifest.persons.push_back(std::move(fresh));
    }
    ManifestPerson& owner = manifest.persons[entry->second];
    if (!added && errors.empty() && owner.errors.empty() && !owner.rows.empty()) {
      const Person& first = owner.person;
      if (person.category != first.category || person.legal_basis != first.legal_basis ||
          person.retention_until != first.retention_until || encounter_kind != owner.encounter_kind) {
        errors.push_back(At(record.line) + "category, legal_basis, retention_until or encounter differ from line " +
                         std::to_string(owner.rows.front().line) + " of the same person");
      }
    }
    if (owner.rows.empty() && errors.empty()) {
      owner.person = person;
      owner.encounter_kind = encounter_kind;
    }
    owner.rows.push_back(std::move(row));
    owner.errors.insert(owner.errors.end(), errors.begin(), errors.end());
  }
  return manifest;
}

Result<ImportManifest> ReadImportManifest(const std::filesystem::path& file) {
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(file, error);
  if (error) return Status::IoError("cannot read the manifest " + file.string() + ": " + error.message());
  if (size > kMaxManifestBytes) {
    return Status::ResourceExhausted("the manifest " + file.string() + " has " + std::to_string(size) +
                                     " bytes, more than " + std::to_string(kMaxManifestBytes));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::IoError("cannot open the manifest " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  auto manifest = ParseImportManifest(text.str(), file.parent_path());
  if (!manifest.ok()) return manifest.status().WithContext(file.string());
  return manifest;
}

}  // namespace abis
