#include "abis/interop/an2k_reader.h"

#include <fstream>
#include <string>
#include <system_error>

#include "abis/interop/an2k_type1_view.h"
#include "an2k_record_parser.h"
#include "an2k_text.h"

namespace abis::interop {

namespace {

// Checks that a tagged record's x.002 IDC is present, numeric and equal to the CNT entry.
Status CheckTaggedIdc(const TaggedRecord& record, const ContentEntry& expected, std::size_t index) {
  const std::string where = internal::RecordLabel(index, record.type);
  const An2kField* idc = record.Find(kIdcField);
  if (idc == nullptr || idc->is_binary) {
    return Status::InvalidArgument(where + ": field " + std::to_string(record.type) + ".002 IDC is missing");
  }
  const auto value = internal::ParseUnsignedDecimal(idc->FirstItem(), 3);
  if (!value) {
    return Status::InvalidArgument(where + ": field " + std::to_string(record.type) + ".002 IDC \"" +
                                   internal::Printable(idc->FirstItem()) + "\" is not a number");
  }
  if (static_cast<int>(*value) != expected.idc) {
    return Status::InvalidArgument(where + ": IDC " + std::to_string(*value) + " does not match IDC " +
                                   std::to_string(expected.idc) + " declared for it in 1.003 CNT");
  }
  return Status::Ok();
}

int BinaryIdc(const An2kRecord& record) {
  if (const auto* image = std::get_if<BinaryImageRecord>(&record)) return image->idc;
  if (const auto* user = std::get_if<UserDefinedImageRecord>(&record)) return user->idc;
  if (const auto* signature = std::get_if<SignatureRecord>(&record)) return signature->idc;
  return -1;
}

}  // namespace

Result<An2kTransaction> ParseAn2kTransaction(std::span<const std::uint8_t> bytes,
                                             std::vector<std::string>* deviations) {
  if (bytes.empty()) return Status::InvalidArgument("ANSI/NIST-ITL transaction: the input is empty");
  An2kTransaction transaction;
  ABIS_ASSIGN_OR_RETURN(auto type1, internal::ParseTaggedRecord(bytes, 1, 0, 0, deviations));
  ABIS_ASSIGN_OR_RETURN(TransactionInformationView info, ReadTransactionInformation(type1.record));
  std::size_t offset = type1.length;
  transaction.records.reserve(info.content.size() + 1);
  transaction.records.emplace_back(std::move(type1.record));

  for (std::size_t i = 0; i < info.content.size(); ++i) {
    const ContentEntry& entry = info.content[i];
    const std::size_t index = i + 1;
    if (offset >= bytes.size()) {
      return Status::InvalidArgument("ANSI/NIST-ITL transaction: input ends after " + std::to_string(index) +
                                     " records but 1.003 CNT declares " + std::to_string(info.content.size() + 1) +
                                     " (next: Type-" + std::to_string(entry.record_type) + ", truncated file?)");
    }
    const auto remaining = bytes.subspan(offset);
    if (IsBinaryRecordType(entry.record_type)) {
      ABIS_ASSIGN_OR_RETURN(auto parsed, internal::ParseBinaryRecord(remaining, entry.record_type, index, offset));
      const int idc = BinaryIdc(parsed.record);
      if (idc != entry.idc) {
        return Status::InvalidArgument(internal::RecordLabel(index, entry.record_type) + " at byte " +
                                       std::to_string(offset) + ": IDC " + std::to_string(idc) +
                                       " does not match IDC " + std::to_string(entry.idc) +
                                       " declared for it in 1.003 CNT");
      }
      offset += parsed.length;
      transaction.records.push_back(std::move(parsed.record));
    } else {
      ABIS_ASSIGN_OR_RETURN(auto parsed, internal::ParseTaggedRecord(remaining, entry.record_type, index, offset, deviations));
      ABIS_RETURN_IF_ERROR(CheckTaggedIdc(parsed.record, entry, index));
      offset += parsed.length;
      transaction.records.emplace_back(std::move(parsed.record));
    }
  }
  if (offset != bytes.size()) {
    return Status::InvalidArgument("ANSI/NIST-ITL transaction: " + std::to_string(bytes.size() - offset) +
                                   " bytes follow the last of the " + std::to_string(info.content.size() + 1) +
                                   " records declared in 1.003 CNT (at byte " + std::to_string(offset) + ")");
  }
  return transaction;
}

Result<An2kTransaction> ReadAn2kFile(const std::filesystem::path& path, std::vector<std::string>* deviations) {
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) return Status::IoError("cannot read " + path.string() + ": " + error.message());
  if (size > kMaxAn2kFileBytes) {
    return Status::ResourceExhausted(path.string() + ": " + std::to_string(size) +
                                     " bytes is larger than the ANSI/NIST-ITL limit of " +
                                     std::to_string(kMaxAn2kFileBytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot open " + path.string());
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size))) {
    return Status::IoError("cannot read " + path.string() + ": short read");
  }
  auto parsed = ParseAn2kTransaction(bytes, deviations);
  if (!parsed.ok()) return parsed.status().WithContext(path.filename().string());
  return parsed;
}

}  // namespace abis::interop
