// A small, strict CSV reader for the DNA tables: comma-separated fields, optional double quotes
// (with "" for a quote), '#' comment lines, blank lines skipped, CR/LF or LF line ends.
// Internal to src/dna.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abis/core/status.h"

namespace abis::dna::internal {

struct CsvRow {
  std::size_t line = 0;             // 1-based line number in the source
  std::vector<std::string> fields;  // trimmed of surrounding spaces
};

class CsvReader {
 public:
  CsvReader(std::string_view text, std::string_view source_name) : text_(text), source_(source_name) {}
  // The next data row, std::nullopt at the end, or kInvalidArgument (unterminated quote).
  Result<std::optional<CsvRow>> Next();
  // "<source> line <n>: ", for error messages.
  std::string Where(std::size_t line) const;

 private:
  std::string_view text_;
  std::string source_;
  std::size_t position_ = 0;
  std::size_t line_ = 0;
};

// Maps header names (case-insensitive) to column indexes; unknown names are an error listing the
// accepted ones; duplicate names are an error.
class CsvHeader {
 public:
  static Result<CsvHeader> Parse(const CsvRow& row, const std::vector<std::string_view>& accepted,
                                 const std::vector<std::string_view>& required, const CsvReader& reader);
  // Index of the column or std::nullopt when absent.
  std::optional<std::size_t> Column(std::string_view name) const;
  // The field under `name`, or "" when the column is absent or the row is short.
  std::string_view Field(const CsvRow& row, std::string_view name) const;
  std::size_t size() const { return names_.size(); }

 private:
  std::vector<std::string> names_;
};

}  // namespace abis::dna::internal
