#include "csv_reader.h"

#include <algorithm>
#include <cctype>

namespace abis::dna::internal {
namespace {

std::string Lower(std::string_view text) {
  std::string out;
  for (char c : text) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

std::string TrimCopy(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

}  // namespace

std::string CsvReader::Where(std::size_t line) const { return source_ + " line " + std::to_string(line) + ": "; }

Result<std::optional<CsvRow>> CsvReader::Next() {
  while (position_ < text_.size()) {
    std::size_t end = text_.find('\n', position_);
    if (end == std::string_view::npos) end = text_.size();
    std::string_view line = text_.substr(position_, end - position_);
    position_ = end + 1;
    ++line_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_ == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // UTF-8 BOM
    std::string_view probe = line;
    while (!probe.empty() && (probe.front() == ' ' || probe.front() == '\t')) probe.remove_prefix(1);
    if (probe.empty() || probe.front() == '#') continue;

    CsvRow row;
    row.line = line_;
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (quoted) {
        if (c == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field.push_back('"');
            ++i;
          } else {
            quoted = false;
          }
        } else {
          field.push_back(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        row.fields.push_back(TrimCopy(field));
        field.clear();
      } else {
        field.push_back(c);
      }
    }
    if (quoted) return Status::InvalidArgument(Where(line_) + "unterminated double quote");
    row.fields.push_back(TrimCopy(field));
    return std::optional<CsvRow>(std::move(row));
  }
  return std::optional<CsvRow>();
}

Result<CsvHeader> CsvHeader::Parse(const CsvRow& row, const std::vector<std::string_view>& accepted,
                                   const std::vector<std::string_view>& required, const CsvReader& reader) {
  CsvHeader header;
  for (const std::string& field : row.fields) {
    std::string name = Lower(field);
    if (std::find(accepted.begin(), accepted.end(), name) == accepted.end()) {
      std::string list;
      for (std::string_view a : accepted) list += (list.empty() ? "" : ", ") + std::string(a);
      return Status::InvalidArgument(reader.Where(row.line) + "unknown column '" + field +
                                     "' in the header (accepted: " + list + ")");
    }
    if (header.Column(name)) {
      return Status::InvalidArgument(reader.Where(row.line) + "column '" + field + "' appears twice in the header");
    }
    header.names_.push_back(std::move(name));
  }
  for (std::string_view name : required) {
    if (!header.Column(name)) {
      return Status::InvalidArgument(reader.Where(row.line) + "header lacks the required column '" +
                                     std::string(name) + "'");
    }
  }
  return header;
}

std::optional<std::size_t> CsvHeader::Column(std::string_view name) const {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return i;
  }
  return std::nullopt;
}

std::string_view CsvHeader::Field(const CsvRow& row, std::string_view name) const {
  auto column = Column(name);
  if (!column || *column >= row.fields.size()) return {};
  return row.fields[*column];
}

}  // namespace abis::dna::internal
