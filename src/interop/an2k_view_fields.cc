#include "an2k_view_fields.h"

#include "an2k_text.h"

namespace abis::interop::internal {

namespace {
std::string FieldName(const TaggedRecord& record, int field) {
  return std::to_string(record.type) + "." + (field < 10 ? "00" : field < 100 ? "0" : "") + std::to_string(field);
}

Result<int> ParseBounded(const TaggedRecord& record, int field, const std::string& text, int min, int max) {
  const auto value = ParseUnsignedDecimal(text, 9);
  if (!value || *value < static_cast<std::uint64_t>(min) || *value > static_cast<std::uint64_t>(max)) {
    return Status::InvalidArgument(ViewLabel(record) + ": field " + FieldName(record, field) + " value \"" +
                                   Printable(text) + "\" is not an integer in " + std::to_string(min) + "-" +
                                   std::to_string(max));
  }
  return static_cast<int>(*value);
}
}  // namespace

std::string ViewLabel(const TaggedRecord& record) {
  return "Type-" + std::to_string(record.type) + " IDC " + record.Item(kIdcField).value_or("?");
}

Result<int> RequiredInteger(const TaggedRecord& record, int field, int min, int max) {
  const An2kField* found = record.Find(field);
  if (found == nullptr || found->is_binary) {
    return Status::InvalidArgument(ViewLabel(record) + ": required field " + FieldName(record, field) + " is missing");
  }
  return ParseBounded(record, field, found->FirstItem(), min, max);
}

Result<int> OptionalInteger(const TaggedRecord& record, int field, int min, int max, int fallback) {
  const An2kField* found = record.Find(field);
  if (found == nullptr || found->is_binary || found->FirstItem().empty()) return fallback;
  return ParseBounded(record, field, found->FirstItem(), min, max);
}

Result<std::string> RequiredText(const TaggedRecord& record, int field) {
  const An2kField* found = record.Find(field);
  if (found == nullptr || found->is_binary || found->FirstItem().empty()) {
    return Status::InvalidArgument(ViewLabel(record) + ": required field " + FieldName(record, field) +
                                   " is missing or empty");
  }
  return found->FirstItem();
}

Result<std::vector<int>> RequiredIntegerList(const TaggedRecord& record, int field, int min, int max) {
  const An2kField* found = record.Find(field);
  if (found == nullptr || found->is_binary) {
    return Status::InvalidArgument(ViewLabel(record) + ": required field " + FieldName(record, field) + " is missing");
  }
  std::vector<int> values;
  for (const auto& subfield : found->subfields) {
    ABIS_ASSIGN_OR_RETURN(int value, ParseBounded(record, field, subfield.empty() ? "" : subfield.front(), min, max));
    values.push_back(value);
  }
  return values;
}

Result<std::vector<std::uint8_t>> RequiredImageData(const TaggedRecord& record) {
  const An2kField* found = record.Find(kImageDataField);
  if (found == nullptr || !found->is_binary || found->binary.empty()) {
    return Status::InvalidArgument(ViewLabel(record) + ": field " + FieldName(record, kImageDataField) +
                                   " (image data) is missing or empty");
  }
  return found->binary;
}

Result<double> PixelsPerMillimetre(const TaggedRecord& record, int scale_field, int horizontal_field) {
  ABIS_ASSIGN_OR_RETURN(int scale, OptionalInteger(record, scale_field, 0, 2, 0));
  ABIS_ASSIGN_OR_RETURN(int pixels, OptionalInteger(record, horizontal_field, 0, 99999, 0));
  constexpr double kMillimetresPerInch = 25.4;
  constexpr double kMillimetresPerCentimetre = 10.0;
  if (scale == 1) return pixels / kMillimetresPerInch;
  if (scale == 2) return pixels / kMillimetresPerCentimetre;
  return 0.0;
}

}  // namespace abis::interop::internal
