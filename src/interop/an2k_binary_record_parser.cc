// Binary record parser for Types 3-8 (fixed big-endian headers, ANSI/NIST-ITL 1-2011 Table 3).
#include <string>

#include "an2k_record_parser.h"
#include "an2k_text.h"

namespace abis::interop::internal {

namespace {

constexpr std::size_t kSignatureVectorBytes = 5;  // X(2) Y(2) pressure(1)

std::size_t HeaderBytes(int type) {
  if (type == 7) return kUserDefinedHeaderBytes;
  if (type == 8) return kSignatureHeaderBytes;
  return kBinaryImageHeaderBytes;
}

std::vector<std::uint8_t> Slice(std::span<const std::uint8_t> input, std::size_t begin, std::size_t end) {
  return std::vector<std::uint8_t>(input.begin() + static_cast<std::ptrdiff_t>(begin),
                                   input.begin() + static_cast<std::ptrdiff_t>(end));
}

}  // namespace

Result<ParsedRecord<An2kRecord>> ParseBinaryRecord(std::span<const std::uint8_t> input, int type, std::size_t index,
                                                   std::size_t offset) {
  const std::string where = RecordLabel(index, type) + " at byte " + std::to_string(offset);
  if (!IsBinaryRecordType(type)) return Status::Internal(where + ": not a binary record type");
  const std::size_t header = HeaderBytes(type);
  if (input.size() < header) {
    return Status::InvalidArgument(where + ": only " + std::to_string(input.size()) + " bytes left, the " +
                                   std::to_string(header) + "-byte binary header does not fit (truncated file?)");
  }
  const std::uint32_t length = ReadBigEndian(input, 0, 4);
  if (length < header) {
    return Status::InvalidArgument(where + ": LEN " + std::to_string(length) + " is shorter than the " +
                                   std::to_string(header) + "-byte header of a Type-" + std::to_string(type) +
                                   " record");
  }
  if (length > input.size()) {
    return Status::InvalidArgument(where + ": LEN " + std::to_string(length) + " exceeds the " +
                                   std::to_string(input.size()) + " bytes left in the input (truncated file?)");
  }
  ParsedRecord<An2kRecord> parsed;
  parsed.length = length;
  const std::uint8_t idc = input[4];
  if (type == 7) {
    UserDefinedImageRecord record;
    record.idc = idc;
    record.data = Slice(input, header, length);
    parsed.record = std::move(record);
    return parsed;
  }
  if (type == 8) {
    SignatureRecord record;
    record.idc = idc;
    record.signature_type = input[5];
    record.representation = input[6];
    record.scanning_resolution = input[7];
    record.width = static_cast<std::uint16_t>(ReadBigEndian(input, 8, 2));
    record.height = static_cast<std::uint16_t>(ReadBigEndian(input, 10, 2));
    record.data = Slice(input, header, length);
    if (record.representation == 2 && record.data.size() % kSignatureVectorBytes != 0) {
      return Status::InvalidArgument(where + ": vector signature data of " + std::to_string(record.data.size()) +
                                     " bytes is not a whole number of 5-byte vectors");
    }
    parsed.record = std::move(record);
    return parsed;
  }
  BinaryImageRecord record;
  record.type = type;
  record.idc = idc;
  record.impression_type = input[5];
  for (std::size_t i = 0; i < record.finger_positions.size(); ++i) record.finger_positions[i] = input[6 + i];
  record.scanning_resolution = input[12];
  record.width = static_cast<std::uint16_t>(ReadBigEndian(input, 13, 2));
  record.height = static_cast<std::uint16_t>(ReadBigEndian(input, 15, 2));
  record.compression = input[17];
  record.image = Slice(input, header, length);
  parsed.record = std::move(record);
  return parsed;
}

}  // namespace abis::interop::internal
