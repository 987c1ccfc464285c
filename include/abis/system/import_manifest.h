// The manifest of a batch import (`abis import batch`, docs/INTEROP.md "Batch import"): a CSV
// file with the header person,category,legal_basis,retention_until,modality,position,file and the
// optional columns sample_options (a JSON object), encounter (the encounter kind) and sample (for
// a dna row: the sample of the DNA collection file `file` that is the person's profile,
// abis/system/dna_collection.h). Modality `nist`: the file is an ANSI/NIST-ITL transaction. The rows of one person form
// one encounter. Thread-safety: plain values and pure functions.
#pragma once

#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "abis/core/modality.h"
#include "abis/core/status.h"
#include "abis/store/records.h"

namespace abis {

inline constexpr std::size_t kMaxManifestBytes = 512u << 20;  // checked before parsing
inline constexpr std::size_t kMaxManifestRows = 10'000'000;   // data rows, checked before parsing
// The modality cell of a row whose file is a whole ANSI/NIST-ITL transaction.
inline constexpr std::string_view kTransactionModality = "nist";

// One sample row, as read (fields are the CSV cells, unquoted).
struct ManifestRow {
  std::size_t line = 0;            // 1-based line of the file (the header is line 1)
  std::vector<std::string> cells;  // every cell of the row, for the error file
  Modality modality = Modality::kFace;
  FingerPosition position = FingerPosition::kUnknown;
  std::filesystem::path file;  // resolved against the manifest's folder
  nlohmann::json sample_options = nlohmann::json::object();
  std::string collection_sample;  // set: `file` is a DNA collection and this is the sample in it
  // Modality `nist`: `file` is an ANSI/NIST-ITL transaction whose samples (every modality, the
  // positions it states) join the encounter, read by BatchImportRequest::encounter_files.
  bool encounter_file = false;
};

// The rows of one person, in file order, and the person's record.
struct ManifestPerson {
  Person person;  // external_id, category, legal_basis, retention_until
  std::string encounter_kind = "enrollment";
  std::vector<ManifestRow> rows;
  // Non-empty: the person's rows are not imported; every bad row is named ("line 7: ...").
  std::vector<std::string> errors;
};

struct ImportManifest {
  std::vector<std::string> header;      // the header's cells (the error file repeats them)
  std::vector<ManifestPerson> persons;  // in order of first appearance
  std::size_t rows = 0;                 // data rows (blank lines not counted)
};

// Parses manifest text; relative file paths resolve against `folder`. Accepts LF and CRLF line
// ends, quoted fields ("a,b", "say ""x"""), a UTF-8 byte-order mark, blank lines. A bad row (wrong
// cell count, unknown modality, category or position, a missing file name, bad sample_options,
// cells that disagree with the person's other rows) makes its person's entry carry the error
// naming the line; the others are unaffected. Fails for a missing or wrong header, an unclosed
// quote, text over kMaxManifestBytes or more than kMaxManifestRows rows (counted first).
Result<ImportManifest> ParseImportManifest(std::string_view text, const std::filesystem::path& folder);

// Reads and parses the manifest file (its size checked before it is read).
Result<ImportManifest> ReadImportManifest(const std::filesystem::path& file);

// One CSV line of cells, quoted where needed (for the error file), without a line end.
std::string CsvLine(const std::vector<std::string>& cells);

// One record of a CSV text: its first line (from 1) and its cells, unquoted.
struct CsvRecord {
  std::size_t line = 0;
  std::vector<std::string> cells;
};
// Splits RFC 4180 CSV text (quoted fields with commas, doubled quotes and line ends; LF or CRLF;
// blank lines skipped) into records. An unclosed quote is kInvalidArgument naming its line.
Result<std::vector<CsvRecord>> SplitCsvRecords(std::string_view text);

}  // namespace abis
