// Tagged (ASCII) record parser: "T.NNN:value<GS>T.NNN:value...<FS>".
#include <bitset>
#include <string>
#include <string_view>

#include "an2k_record_parser.h"
#include "an2k_text.h"

namespace abis::interop::internal {

namespace {

// Longest LEN value accepted: 10 digits covers every length a 32-bit offset can express.
constexpr std::size_t kMaxLengthDigits = 10;
constexpr int kMaxFieldNumber = 999;  // three digits

struct Tag {
  int record_type = 0;
  int field_number = 0;
  std::size_t size = 0;  // bytes of "T.N:" including the colon
};

// Parses "T.N:" at `pos` of `bytes` (not past `end`).
Result<Tag> ParseTag(std::string_view bytes, std::size_t pos, std::size_t end, const std::string& where) {
  std::size_t dot = pos;
  while (dot < end && dot - pos < 3 && bytes[dot] >= '0' && bytes[dot] <= '9') ++dot;
  if (dot == pos || dot >= end || bytes[dot] != '.') {
    return Status::InvalidArgument(where + ": expected a field tag \"<type>.<field>:\" but found \"" +
                                   Printable(bytes.substr(pos, std::min<std::size_t>(end - pos, 12))) + "\"");
  }
  std::size_t colon = dot + 1;
  while (colon < end && colon - dot - 1 < 4 && bytes[colon] >= '0' && bytes[colon] <= '9') ++colon;
  const std::size_t field_digits = colon - dot - 1;
  if (field_digits == 0 || field_digits > 3 || colon >= end || bytes[colon] != ':') {
    return Status::InvalidArgument(where + ": malformed field tag \"" +
                                   Printable(bytes.substr(pos, std::min<std::size_t>(end - pos, 12))) +
                                   "\" (field numbers have 1 to 3 digits and end with ':')");
  }
  Tag tag;
  tag.record_type = static_cast<int>(*ParseUnsignedDecimal(bytes.substr(pos, dot - pos)));
  tag.field_number = static_cast<int>(*ParseUnsignedDecimal(bytes.substr(dot + 1, field_digits)));
  tag.size = colon + 1 - pos;
  if (tag.field_number == 0) {
    return Status::InvalidArgument(where + ": field number 0 in tag \"" +
                                   Printable(bytes.substr(pos, tag.size)) + "\" (fields are 1-999)");
  }
  return tag;
}

std::vector<std::vector<std::string>> SplitSubfields(std::string_view value) {
  std::vector<std::vector<std::string>> subfields;
  std::size_t start = 0;
  while (true) {
    std::size_t end = value.find(kRecordSeparator, start);
    std::string_view subfield = value.substr(start, end == std::string_view::npos ? end : end - start);
    std::vector<std::string> items;
    std::size_t item_start = 0;
    while (true) {
      std::size_t item_end = subfield.find(kUnitSeparator, item_start);
      items.emplace_back(subfield.substr(item_start, item_end == std::string_view::npos ? item_end
                                                                                        : item_end - item_start));
      if (item_end == std::string_view::npos) break;
      item_start = item_end + 1;
    }
    subfields.push_back(std::move(items));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return subfields;
}

}  // namespace

Result<ParsedRecord<TaggedRecord>> ParseTaggedRecord(std::span<const std::uint8_t> input, int expected_type,
                                                     std::size_t index, std::size_t offset,
                                                     std::vector<std::string>* deviations) {
  const std::string_view bytes(reinterpret_cast<const char*>(input.data()), input.size());
  std::string where = RecordLabel(index, expected_type) + " at byte " + std::to_string(offset);

  // The LEN field comes first and tells where the record ends.
  ABIS_ASSIGN_OR_RETURN(Tag first, ParseTag(bytes, 0, bytes.size(), where));
  if (first.record_type != expected_type) {
    return Status::InvalidArgument(where + ": tag \"" + Printable(bytes.substr(0, first.size)) +
                                   "\" names record type " + std::to_string(first.record_type) +
                                   " but 1.003 CNT declares Type-" + std::to_string(expected_type));
  }
  if (first.field_number != kLengthField) {
    return Status::InvalidArgument(where + ": the first field must be " + std::to_string(expected_type) +
                                   ".001 LEN, found field " + std::to_string(first.field_number));
  }
  std::size_t len_end = first.size;
  while (len_end < bytes.size() && len_end - first.size <= kMaxLengthDigits && bytes[len_end] >= '0' &&
         bytes[len_end] <= '9') {
    ++len_end;
  }
  const std::string_view len_text = bytes.substr(first.size, len_end - first.size);
  const auto declared = ParseUnsignedDecimal(len_text, kMaxLengthDigits);
  if (!declared || len_end >= bytes.size() ||
      (bytes[len_end] != kGroupSeparator && bytes[len_end] != kFileSeparator)) {
    return Status::InvalidArgument(where + ": field " + std::to_string(expected_type) +
                                   ".001 LEN is not a decimal length followed by a separator: \"" +
                                   Printable(bytes.substr(first.size, 16)) + "\"");
  }
  const std::uint64_t length = *declared;
  if (length < len_end + 1) {
    return Status::InvalidArgument(where + ": LEN " + std::to_string(length) +
                                   " is shorter than the LEN field itself (" + std::to_string(len_end + 1) +
                                   " bytes)");
  }
  if (length > bytes.size()) {
    return Status::InvalidArgument(where + ": LEN " + std::to_string(length) + " exceeds the " +
                                   std::to_string(bytes.size()) + " bytes left in the input (truncated file?)");
  }
  if (bytes[length - 1] != kFileSeparator) {
    return Status::InvalidArgument(where + ": byte " + std::to_string(length - 1) +
                                   " of the record (its last according to LEN " + std::to_string(length) +
                                   ") is not the FS separator 0x1C");
  }

  if (bytes[len_end] == kFileSeparator && length != len_end + 1) {
    return Status::InvalidArgument(where + ": FS right after the LEN field at offset " + std::to_string(len_end) +
                                   " but LEN says the record is " + std::to_string(length) + " bytes long");
  }

  ParsedRecord<TaggedRecord> parsed;
  parsed.length = static_cast<std::size_t>(length);
  parsed.record.type = expected_type;
  const std::size_t record_end = parsed.length;  // one past the final FS
  std::size_t pos = 0;
  bool reported_short_tags = false;
  std::bitset<kMaxFieldNumber + 1> seen_fields;
  auto note = [&](const std::string& message) {
    if (deviations != nullptr) deviations->push_back(where + ": " + message);
  };
  if (len_text.size() > 1 && len_text.front() == '0') note("LEN \"" + std::string(len_text) + "\" has leading zeros");
  while (pos < record_end) {
    ABIS_ASSIGN_OR_RETURN(Tag tag, ParseTag(bytes, pos, record_end, where + ", offset " + std::to_string(pos)));
    const std::string field_label = std::to_string(expected_type) + "." + std::to_string(tag.field_number);
    if (tag.record_type != expected_type) {
      note("field tag \"" + Printable(bytes.substr(pos, tag.size)) + "\" at offset " + std::to_string(pos) +
           " names record type " + std::to_string(tag.record_type) + "; read as field " + field_label);
    }
    const std::size_t field_digits = tag.size - std::to_string(tag.record_type).size() - 2;
    if (field_digits < 3 && !reported_short_tags) {
      note("field numbers written with fewer than three digits (\"" + Printable(bytes.substr(pos, tag.size)) +
           "\"), as in versions before 0300");
      reported_short_tags = true;
    }
    if (seen_fields[static_cast<std::size_t>(tag.field_number)]) {
      note("field " + field_label + " appears more than once; every occurrence is kept");
    }
    if (pos == 0 && tag.field_number != kLengthField) {
      return Status::Internal(where + ": LEN not first after validation");
    }
    if (pos != 0 && tag.field_number == kLengthField) {
      return Status::InvalidArgument(where + ": field " + field_label + " LEN appears again at offset " +
                                     std::to_string(pos));
    }
    seen_fields.set(static_cast<std::size_t>(tag.field_number));
    const std::size_t value_start = pos + tag.size;
    if (pos == 0) {  // LEN, already validated above
      pos = len_end + 1;
      continue;
    }
    if (tag.field_number == kImageDataField) {
      // Binary image data: everything up to the record's final FS.
      const std::size_t value_end = record_end - 1;
      if (value_start > value_end) {
        return Status::InvalidArgument(where + ": field " + field_label + " has no room before the record's end");
      }
      parsed.record.fields.push_back(
          An2kField::Binary(std::vector<std::uint8_t>(input.begin() + static_cast<std::ptrdiff_t>(value_start),
                                                      input.begin() + static_cast<std::ptrdiff_t>(value_end))));
      pos = record_end;
      break;
    }
    std::size_t separator = value_start;
    while (separator < record_end && bytes[separator] != kGroupSeparator && bytes[separator] != kFileSeparator) {
      ++separator;
    }
    // The final byte is FS, so a separator is always found inside the record.
    if (bytes[separator] == kFileSeparator && separator != record_end - 1) {
      return Status::InvalidArgument(where + ": field " + field_label + " ends with FS at offset " +
                                     std::to_string(separator) + " but LEN says the record is " +
                                     std::to_string(record_end) + " bytes long");
    }
    An2kField field;
    field.number = tag.field_number;
    field.subfields = SplitSubfields(bytes.substr(value_start, separator - value_start));
    parsed.record.fields.push_back(std::move(field));
    pos = separator + 1;
    if (bytes[separator] == kGroupSeparator && pos == record_end) {
      return Status::Internal(where + ": record ended on GS after validation");
    }
  }
  return parsed;
}

}  // namespace abis::interop::internal
