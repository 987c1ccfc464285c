#include "abis/interop/an2k_record.h"

#include <array>

namespace abis::interop {

namespace {
const std::string& EmptyString() {
  static const std::string empty;
  return empty;
}
}  // namespace

An2kField An2kField::Text(int number, std::string value) {
  An2kField field;
  field.number = number;
  field.subfields = {{std::move(value)}};
  return field;
}

An2kField An2kField::Items(int number, std::vector<std::vector<std::string>> subfields) {
  An2kField field;
  field.number = number;
  field.subfields = std::move(subfields);
  return field;
}

An2kField An2kField::Binary(std::vector<std::uint8_t> bytes) {
  An2kField field;
  field.number = kImageDataField;
  field.binary = std::move(bytes);
  field.is_binary = true;
  return field;
}

const std::string& An2kField::FirstItem() const {
  if (is_binary || subfields.empty() || subfields.front().empty()) return EmptyString();
  return subfields.front().front();
}

std::string An2kField::JoinedText() const {
  std::string out;
  if (is_binary) return out;
  for (std::size_t s = 0; s < subfields.size(); ++s) {
    if (s > 0) out += kRecordSeparator;
    for (std::size_t i = 0; i < subfields[s].size(); ++i) {
      if (i > 0) out += kUnitSeparator;
      out += subfields[s][i];
    }
  }
  return out;
}

const An2kField* TaggedRecord::Find(int number) const {
  for (const An2kField& field : fields) {
    if (field.number == number) return &field;
  }
  return nullptr;
}

An2kField* TaggedRecord::Find(int number) {
  for (An2kField& field : fields) {
    if (field.number == number) return &field;
  }
  return nullptr;
}

std::optional<std::string> TaggedRecord::Item(int number) const {
  const An2kField* field = Find(number);
  if (field == nullptr) return std::nullopt;
  return field->FirstItem();
}

int RecordType(const An2kRecord& record) {
  struct Visitor {
    int operator()(const TaggedRecord& r) const { return r.type; }
    int operator()(const BinaryImageRecord& r) const { return r.type; }
    int operator()(const UserDefinedImageRecord&) const { return 7; }
    int operator()(const SignatureRecord&) const { return 8; }
  };
  return std::visit(Visitor{}, record);
}

bool IsBinaryRecordType(int type) { return type >= 3 && type <= 8; }

bool IsKnownRecordType(int type) { return (type >= 1 && type <= 22) || type == 98 || type == 99; }

const TaggedRecord* An2kTransaction::TransactionInformation() const {
  if (records.empty()) return nullptr;
  const auto* tagged = std::get_if<TaggedRecord>(&records.front());
  if (tagged == nullptr || tagged->type != 1) return nullptr;
  return tagged;
}

std::vector<const An2kRecord*> An2kTransaction::RecordsOfType(int type) const {
  std::vector<const An2kRecord*> out;
  for (const An2kRecord& record : records) {
    if (RecordType(record) == type) out.push_back(&record);
  }
  return out;
}

bool IsSupportedVersion(std::string_view version) {
  static constexpr std::array<std::string_view, 7> kVersions = {"0200", "0201", "0300", "0400",
                                                                "0500", "0501", "0502"};
  for (std::string_view known : kVersions) {
    if (version == known) return true;
  }
  return false;
}

}  // namespace abis::interop
