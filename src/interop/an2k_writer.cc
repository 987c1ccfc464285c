#include "abis/interop/an2k_writer.h"

#include <cstdio>
#include <fstream>
#include <limits>
#include <string>

#include "abis/interop/an2k_type1_view.h"
#include "an2k_text.h"

namespace abis::interop {

namespace {

constexpr int kMaxFieldNumber = 999;

std::size_t DecimalDigits(std::size_t value) {
  std::size_t digits = 1;
  while (value >= 10) {
    value /= 10;
    ++digits;
  }
  return digits;
}

std::string Tag(int type, int field) {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "%d.%03d:", type, field);
  return buffer;
}

bool HasSeparator(const std::string& text) {
  for (char c : text) {
    if (c == kFileSeparator || c == kGroupSeparator || c == kRecordSeparator || c == kUnitSeparator) return true;
  }
  return false;
}

std::string IdcText(int idc) {
  std::string text = std::to_string(idc);
  return text.size() < 2 ? "0" + text : text;
}

int RecordIdc(const An2kRecord& record) {
  if (const auto* tagged = std::get_if<TaggedRecord>(&record)) {
    const auto idc = internal::ParseUnsignedDecimal(tagged->Item(kIdcField).value_or(""), 3);
    return idc ? static_cast<int>(*idc) : -1;
  }
  if (const auto* image = std::get_if<BinaryImageRecord>(&record)) return image->idc;
  if (const auto* user = std::get_if<UserDefinedImageRecord>(&record)) return user->idc;
  return std::get<SignatureRecord>(record).idc;
}

// Appends one tagged record: LEN, computed from the body, then the held fields.
Status AppendTaggedRecord(const TaggedRecord& record, std::size_t index, std::string& out) {
  const std::string where = internal::RecordLabel(index, record.type);
  if (!IsKnownRecordType(record.type) || IsBinaryRecordType(record.type)) {
    return Status::InvalidArgument(where + ": not a tagged record type");
  }
  std::string body;  // everything after the LEN field's value
  for (std::size_t f = 0; f < record.fields.size(); ++f) {
    const An2kField& field = record.fields[f];
    if (field.number == kLengthField) {
      return Status::InvalidArgument(where + ": field " + std::to_string(record.type) +
                                     ".001 LEN is computed by the writer and must not be held in the record");
    }
    const std::string label = std::to_string(record.type) + "." + std::to_string(field.number);
    if (field.number < 2 || field.number > kMaxFieldNumber) {
      return Status::InvalidArgument(where + ": field number " + std::to_string(field.number) + " outside 1-999");
    }
    body += kGroupSeparator;
    body += Tag(record.type, field.number);
    if (field.is_binary || field.number == kImageDataField) {
      if (!field.is_binary) return Status::InvalidArgument(where + ": field " + label + " must hold binary data");
      if (f + 1 != record.fields.size()) {
        return Status::InvalidArgument(where + ": binary field " + label + " must be the record's last field");
      }
      body.append(reinterpret_cast<const char*>(field.binary.data()), field.binary.size());
      continue;
    }
    if (field.subfields.empty()) return Status::InvalidArgument(where + ": field " + label + " has no subfield");
    for (std::size_t s = 0; s < field.subfields.size(); ++s) {
      if (field.subfields[s].empty()) {
        return Status::InvalidArgument(where + ": field " + label + " subfield " + std::to_string(s + 1) +
                                       " has no item");
      }
      for (std::size_t i = 0; i < field.subfields[s].size(); ++i) {
        if (HasSeparator(field.subfields[s][i])) {
          return Status::InvalidArgument(where + ": field " + label + " subfield " + std::to_string(s + 1) +
                                         " item " + std::to_string(i + 1) + " contains a separator character");
        }
      }
    }
    body += field.JoinedText();
  }
  body += kFileSeparator;
  const std::string len_tag = Tag(record.type, kLengthField);
  // LEN counts its own digits: grow the digit count until it is self-consistent.
  std::size_t digits = 1;
  while (DecimalDigits(len_tag.size() + digits + body.size()) != digits) ++digits;
  const std::size_t length = len_tag.size() + digits + body.size();
  out += len_tag;
  out += std::to_string(length);
  out += body;
  return Status::Ok();
}

Status AppendBinaryRecord(const An2kRecord& record, std::size_t index, std::string& out) {
  const int type = RecordType(record);
  const std::string where = internal::RecordLabel(index, type);
  std::size_t header = 0;
  std::size_t data_size = 0;
  if (const auto* image = std::get_if<BinaryImageRecord>(&record)) {
    if (image->type < 3 || image->type > 6) return Status::InvalidArgument(where + ": binary image type must be 3-6");
    header = kBinaryImageHeaderBytes;
    data_size = image->image.size();
  } else if (const auto* user = std::get_if<UserDefinedImageRecord>(&record)) {
    header = kUserDefinedHeaderBytes;
    data_size = user->data.size();
  } else {
    const auto& signature = std::get<SignatureRecord>(record);
    header = kSignatureHeaderBytes;
    data_size = signature.data.size();
    if (signature.representation == 2 && data_size % 5 != 0) {
      return Status::InvalidArgument(where + ": vector signature data is not a whole number of 5-byte vectors");
    }
  }
  if (data_size > std::numeric_limits<std::uint32_t>::max() - header) {
    return Status::InvalidArgument(where + ": " + std::to_string(data_size) + " bytes do not fit a 4-byte LEN");
  }
  const auto length = static_cast<std::uint32_t>(header + data_size);
  internal::AppendBigEndian(out, length, 4);
  if (const auto* image = std::get_if<BinaryImageRecord>(&record)) {
    out += static_cast<char>(image->idc);
    out += static_cast<char>(image->impression_type);
    for (std::uint8_t position : image->finger_positions) out += static_cast<char>(position);
    out += static_cast<char>(image->scanning_resolution);
    internal::AppendBigEndian(out, image->width, 2);
    internal::AppendBigEndian(out, image->height, 2);
    out += static_cast<char>(image->compression);
    out.append(reinterpret_cast<const char*>(image->image.data()), image->image.size());
  } else if (const auto* user = std::get_if<UserDefinedImageRecord>(&record)) {
    out += static_cast<char>(user->idc);
    out.append(reinterpret_cast<const char*>(user->data.data()), user->data.size());
  } else {
    const auto& signature = std::get<SignatureRecord>(record);
    out += static_cast<char>(signature.idc);
    out += static_cast<char>(signature.signature_type);
    out += static_cast<char>(signature.representation);
    out += static_cast<char>(signature.scanning_resolution);
    internal::AppendBigEndian(out, signature.width, 2);
    internal::AppendBigEndian(out, signature.height, 2);
    out.append(reinterpret_cast<const char*>(signature.data.data()), signature.data.size());
  }
  return Status::Ok();
}

Status CheckContent(const An2kTransaction& transaction, const TaggedRecord& type1) {
  ABIS_ASSIGN_OR_RETURN(std::vector<ContentEntry> content, ReadContentField(type1));
  if (content.size() + 1 != transaction.records.size()) {
    return Status::InvalidArgument("Type-1: field 1.003 CNT lists " + std::to_string(content.size()) +
                                   " records but the transaction holds " +
                                   std::to_string(transaction.records.size() - 1) + " after Type-1");
  }
  for (std::size_t i = 0; i < content.size(); ++i) {
    const An2kRecord& record = transaction.records[i + 1];
    const int type = RecordType(record);
    const int idc = RecordIdc(record);
    if (type != content[i].record_type || idc != content[i].idc) {
      return Status::InvalidArgument(internal::RecordLabel(i + 1, type) + " with IDC " + std::to_string(idc) +
                                     " does not match 1.003 CNT entry Type-" +
                                     std::to_string(content[i].record_type) + " IDC " +
                                     std::to_string(content[i].idc));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::uint8_t>> SerializeAn2kTransaction(const An2kTransaction& transaction) {
  const TaggedRecord* type1 = transaction.TransactionInformation();
  if (type1 == nullptr) return Status::InvalidArgument("ANSI/NIST-ITL transaction: the first record must be Type-1");
  const auto version = type1->Item(2);
  if (!version || !IsSupportedVersion(*version)) {
    return Status::InvalidArgument("Type-1: field 1.002 VER \"" + internal::Printable(version.value_or("")) +
                                   "\" is missing or not a supported version");
  }
  ABIS_RETURN_IF_ERROR(CheckContent(transaction, *type1));
  std::string out;
  for (std::size_t i = 0; i < transaction.records.size(); ++i) {
    const An2kRecord& record = transaction.records[i];
    if (i > 0 && RecordType(record) == 1) {
      return Status::InvalidArgument(internal::RecordLabel(i, 1) + ": only the first record may be Type-1");
    }
    if (const auto* tagged = std::get_if<TaggedRecord>(&record)) {
      if (i > 0 && RecordIdc(record) < 0) {
        return Status::InvalidArgument(internal::RecordLabel(i, tagged->type) + ": field " +
                                       std::to_string(tagged->type) + ".002 IDC is missing or not a number");
      }
      ABIS_RETURN_IF_ERROR(AppendTaggedRecord(*tagged, i, out));
    } else {
      ABIS_RETURN_IF_ERROR(AppendBinaryRecord(record, i, out));
    }
  }
  return std::vector<std::uint8_t>(out.begin(), out.end());
}

Status WriteAn2kFile(const An2kTransaction& transaction, const std::filesystem::path& path) {
  ABIS_ASSIGN_OR_RETURN(std::vector<std::uint8_t> bytes, SerializeAn2kTransaction(transaction));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IoError("cannot create " + path.string());
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return Status::IoError("cannot write " + path.string());
  return Status::Ok();
}

Status RebuildContentField(An2kTransaction& transaction) {
  if (transaction.records.empty() || RecordType(transaction.records.front()) != 1 ||
      !std::holds_alternative<TaggedRecord>(transaction.records.front())) {
    return Status::InvalidArgument("ANSI/NIST-ITL transaction: the first record must be a tagged Type-1");
  }
  std::vector<std::vector<std::string>> subfields;
  subfields.push_back({"1", std::to_string(transaction.records.size() - 1)});
  for (std::size_t i = 1; i < transaction.records.size(); ++i) {
    const int idc = RecordIdc(transaction.records[i]);
    if (idc < 0) {
      return Status::InvalidArgument(internal::RecordLabel(i, RecordType(transaction.records[i])) +
                                     ": IDC is missing or not a number");
    }
    subfields.push_back({std::to_string(RecordType(transaction.records[i])), IdcText(idc)});
  }
  auto& type1 = std::get<TaggedRecord>(transaction.records.front());
  if (An2kField* cnt = type1.Find(3)) {
    cnt->subfields = std::move(subfields);
    cnt->is_binary = false;
    return Status::Ok();
  }
  // Insert CNT after VER (or after LEN when VER is absent) to keep the canonical order.
  std::size_t position = 0;
  while (position < type1.fields.size() && type1.fields[position].number < 3) ++position;
  type1.fields.insert(type1.fields.begin() + static_cast<std::ptrdiff_t>(position),
                      An2kField::Items(3, std::move(subfields)));
  return Status::Ok();
}

}  // namespace abis::interop
