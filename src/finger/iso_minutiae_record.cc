// ISO/IEC 19794-2:2005 finger minutiae record: header of 24 bytes
//   "FMR\0" | " 20\0" | record length (4) | equipment compliance (4 bits) + id (12 bits) |
//   width (2) | height (2) | x resolution (2) | y resolution (2) (pixels/cm) | views (1) | reserved (1)
// followed by the finger views (minutiae_view_codec.cc). Angles in units of 360/256 degrees.
#include <string>

#include "byte_reader.h"
#include "minutiae_record_formats.h"
#include "minutiae_view_codec.h"

namespace abis::finger::internal {

Result<MinutiaeRecord> ReadIso19794_2_2005(std::span<const std::uint8_t> bytes, const std::string& source_name) {
  ABIS_RETURN_IF_ERROR(CheckFmrMagicAndVersion(bytes, source_name));
  ByteReader header(bytes, source_name);
  ABIS_RETURN_IF_ERROR(header.Skip(8, "format identifier and version"));
  ABIS_ASSIGN_OR_RETURN(const std::uint32_t record_length, header.U32BigEndian("record length"));
  ABIS_RETURN_IF_ERROR(CheckRecordLength(record_length, bytes.size(), source_name, "ISO/IEC 19794-2"));
  MinutiaeRecord record;
  record.format = MinutiaeRecordFormat::kIso19794_2_2005;
  ABIS_RETURN_IF_ERROR(ReadRecordBody(header, record, AngleUnit::kIso256ths));
  return record;
}

Result<std::vector<std::uint8_t>> WriteIso19794_2_2005(const MinutiaeRecord& record) {
  ABIS_RETURN_IF_ERROR(CheckWritableHeader(record));
  ByteWriter writer;
  writer.Bytes(std::string_view("FMR\0 20\0", 8));
  writer.U32BigEndian(0);  // record length, patched below
  ABIS_RETURN_IF_ERROR(WriteRecordBody(writer, record, AngleUnit::kIso256ths));
  writer.PatchU32BigEndian(8, static_cast<std::uint32_t>(writer.size()));
  return writer.Take();
}

}  // namespace abis::finger::internal
