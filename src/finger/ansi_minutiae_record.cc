// ANSI INCITS 378-2004 finger minutiae record: header of 26 (or 30) bytes
//   "FMR\0" | " 20\0" | record length (2; or 0x0000 then 4) | CBEFF product owner (2) + type (2) |
//   equipment compliance (4 bits) + id (12 bits) | width (2) | height (2) | x resolution (2) |
//   y resolution (2) (pixels/cm) | views (1) | reserved (1)
// followed by the finger views (minutiae_view_codec.cc). Angles in units of 2 degrees (0-179).
#include <string>

#include "byte_reader.h"
#include "minutiae_record_formats.h"
#include "minutiae_view_codec.h"

namespace abis::finger::internal {

Result<MinutiaeRecord> ReadAnsi378_2004(std::span<const std::uint8_t> bytes, const std::string& source_name) {
  ABIS_RETURN_IF_ERROR(CheckFmrMagicAndVersion(bytes, source_name));
  ByteReader header(bytes, source_name);
  ABIS_RETURN_IF_ERROR(header.Skip(8, "format identifier and version"));
  ABIS_ASSIGN_OR_RETURN(std::uint32_t record_length, header.U16BigEndian("record length"));
  if (record_length == 0) {
    ABIS_ASSIGN_OR_RETURN(record_length, header.U32BigEndian("extended record length"));
  }
  ABIS_RETURN_IF_ERROR(CheckRecordLength(record_length, bytes.size(), source_name, "ANSI INCITS 378"));
  MinutiaeRecord record;
  record.format = MinutiaeRecordFormat::kAnsi378_2004;
  ABIS_ASSIGN_OR_RETURN(record.cbeff_product_owner, header.U16BigEndian("CBEFF product owner"));
  ABIS_ASSIGN_OR_RETURN(record.cbeff_product_type, header.U16BigEndian("CBEFF product type"));
  ABIS_RETURN_IF_ERROR(ReadRecordBody(header, record, AngleUnit::kAnsi2Degrees));
  return record;
}

Result<std::vector<std::uint8_t>> WriteAnsi378_2004(const MinutiaeRecord& record) {
  ABIS_RETURN_IF_ERROR(CheckWritableHeader(record));
  if (record.cbeff_product_owner < 0 || record.cbeff_product_owner > 0xFFFF || record.cbeff_product_type < 0 ||
      record.cbeff_product_type > 0xFFFF) {
    return Status::InvalidArgument("CBEFF product identifier does not fit 2+2 bytes");
  }
  ByteWriter body;  // everything after the length field
  body.U16BigEndian(static_cast<std::uint16_t>(record.cbeff_product_owner));
  body.U16BigEndian(static_cast<std::uint16_t>(record.cbeff_product_type));
  ABIS_RETURN_IF_ERROR(WriteRecordBody(body, record, AngleUnit::kAnsi2Degrees));
  const std::vector<std::uint8_t> rest = body.Take();
  ByteWriter writer;
  writer.Bytes(std::string_view("FMR\0 20\0", 8));
  const std::size_t short_total = 8 + 2 + rest.size();
  if (short_total <= 0xFFFF) {
    writer.U16BigEndian(static_cast<std::uint16_t>(short_total));
  } else {
    writer.U16BigEndian(0);
    writer.U32BigEndian(static_cast<std::uint32_t>(short_total + 4));
  }
  std::vector<std::uint8_t> bytes = writer.Take();
  bytes.insert(bytes.end(), rest.begin(), rest.end());
  return bytes;
}

}  // namespace abis::finger::internal
