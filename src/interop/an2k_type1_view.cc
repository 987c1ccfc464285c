#include "abis/interop/an2k_type1_view.h"

#include "an2k_text.h"

namespace abis::interop {

namespace {
constexpr int kVersionField = 2;
constexpr int kContentField = 3;
constexpr int kMaxIdc = 255;  // binary records carry the IDC in one byte

std::string ItemOrEmpty(const TaggedRecord& record, int number) { return record.Item(number).value_or(""); }
}  // namespace

Result<std::vector<ContentEntry>> ReadContentField(const TaggedRecord& type1) {
  const An2kField* field = type1.Find(kContentField);
  if (field == nullptr || field->is_binary) return Status::InvalidArgument("Type-1: field 1.003 CNT is missing");
  const auto& subfields = field->subfields;
  if (subfields.empty()) return Status::InvalidArgument("Type-1: field 1.003 CNT is empty");
  if (subfields.front().size() != 2 || subfields.front()[0] != "1") {
    return Status::InvalidArgument("Type-1: field 1.003 CNT must start with the subfield {1, count}, found \"" +
                                   internal::Printable(field->JoinedText(), 16) + "\"");
  }
  const auto count = internal::ParseUnsignedDecimal(subfields.front()[1], 6);
  if (!count) {
    return Status::InvalidArgument("Type-1: field 1.003 CNT record count \"" +
                                   internal::Printable(subfields.front()[1]) + "\" is not a number");
  }
  if (*count != subfields.size() - 1) {
    return Status::InvalidArgument("Type-1: field 1.003 CNT declares " + std::to_string(*count) +
                                   " records but lists " + std::to_string(subfields.size() - 1));
  }
  std::vector<ContentEntry> entries;
  entries.reserve(subfields.size() - 1);
  for (std::size_t i = 1; i < subfields.size(); ++i) {
    const auto& items = subfields[i];
    const std::string where = "Type-1: field 1.003 CNT subfield " + std::to_string(i + 1);
    if (items.size() != 2) {
      return Status::InvalidArgument(where + " has " + std::to_string(items.size()) +
                                     " items, expected 2 (record type, IDC)");
    }
    const auto type = internal::ParseUnsignedDecimal(items[0], 2);
    if (!type || !IsKnownRecordType(static_cast<int>(*type)) || *type == 1) {
      return Status::InvalidArgument(where + ": \"" + internal::Printable(items[0]) +
                                     "\" is not a record type that may follow Type-1 (2-22, 98, 99)");
    }
    const auto idc = internal::ParseUnsignedDecimal(items[1], 3);
    if (!idc || *idc > kMaxIdc) {
      return Status::InvalidArgument(where + ": IDC \"" + internal::Printable(items[1]) + "\" is not 0-255");
    }
    entries.push_back({static_cast<int>(*type), static_cast<int>(*idc)});
  }
  return entries;
}

Result<TransactionInformationView> ReadTransactionInformation(const TaggedRecord& record) {
  if (record.type != 1) return Status::InvalidArgument("not a Type-1 record (Type-" + std::to_string(record.type) + ")");
  TransactionInformationView view;
  const auto version = record.Item(kVersionField);
  if (!version) return Status::InvalidArgument("Type-1: field 1.002 VER is missing");
  if (!IsSupportedVersion(*version)) {
    return Status::Unimplemented("Type-1: field 1.002 VER \"" + internal::Printable(*version) +
                                 "\" is not a supported version (0200, 0201, 0300, 0400, 0500, 0501, 0502)");
  }
  view.version = *version;
  ABIS_ASSIGN_OR_RETURN(view.content, ReadContentField(record));
  view.transaction_type = ItemOrEmpty(record, 4);
  view.date = ItemOrEmpty(record, 5);
  view.priority = ItemOrEmpty(record, 6);
  view.destination_agency = ItemOrEmpty(record, 7);
  view.originating_agency = ItemOrEmpty(record, 8);
  view.control_number = ItemOrEmpty(record, 9);
  view.control_reference = ItemOrEmpty(record, 10);
  view.native_scanning_resolution = ItemOrEmpty(record, 11);
  view.nominal_resolution = ItemOrEmpty(record, 12);
  view.domain_name = ItemOrEmpty(record, 13);
  view.greenwich_mean_time = ItemOrEmpty(record, 14);
  return view;
}

}  // namespace abis::interop
