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
  if (record_length != bytes.size()) {
    return Status::InvalidArgument(source_name + ": ISO/IEC 19794-2 record length field says " +
                                   std::to_string(record_length) + " bytes but " +
                                   std::to_string(bytes.size()) + " were given" +
                                   (record_length > bytes.size() ? ": truncated record" : ""));
  }
  MinutiaeRecord record;
  record.format = MinutiaeRecordFormat::kIso19794_2_2005;
  ABIS_ASSIGN_OR_RETURN(const std::uint16_t equipment, header.U16BigEndian("capture equipment"));
  record.capture_equipment_compliance = equipment >> 12;
  record.capture_equipment_id = equipment & 0x0FFF;
  ABIS_ASSIGN_OR_RETURN(record.width, header.U16BigEndian("image width"));
  ABIS_ASSIGN_OR_RETURN(record.height, header.U16BigEndian("image height"));
  ABIS_ASSIGN_OR_RETURN(record.x_resolution_ppcm, header.U16BigEndian("x resolution"));
  ABIS_ASSIGN_OR_RETURN(record.y_resolution_ppcm, header.U16BigEndian("y resolution"));
  if (record.x_resolution_ppcm == 0 || record.y_resolution_ppcm == 0) {
    return header.Error("resolution is zero");
  }
  ABIS_ASSIGN_OR_RETURN(const std::uint8_t view_count, header.U8("number of finger views"));
  ABIS_RETURN_IF_ERROR(header.Skip(1, "reserved byte"));
  if (view_count == 0) return header.Error("record has no finger view");
  record.views.reserve(view_count);
  for (int v = 0; v < view_count; ++v) {
    ABIS_ASSIGN_OR_RETURN(FingerView view, ReadFingerView(header, record, v, AngleUnit::kIso256ths, v + 1 == view_count));
    record.views.push_back(std::move(view));
  }
  if (header.remaining() != 0) {
    return header.Error(std::to_string(header.remaining()) + " bytes left after the last finger view");
  }
  return record;
}

Result<std::vector<std::uint8_t>> WriteIso19794_2_2005(const MinutiaeRecord& record) {
  ABIS_RETURN_IF_ERROR(CheckWritableHeader(record));
  ByteWriter writer;
  writer.Bytes(std::string_view("FMR\0 20\0", 8));
  writer.U32BigEndian(0);  // record length, patched below
  writer.U16BigEndian(static_cast<std::uint16_t>(((record.capture_equipment_compliance & 0xF) << 12) |
                                                 (record.capture_equipment_id & 0x0FFF)));
  writer.U16BigEndian(static_cast<std::uint16_t>(record.width));
  writer.U16BigEndian(static_cast<std::uint16_t>(record.height));
  writer.U16BigEndian(static_cast<std::uint16_t>(record.x_resolution_ppcm));
  writer.U16BigEndian(static_cast<std::uint16_t>(record.y_resolution_ppcm));
  writer.U8(static_cast<std::uint8_t>(record.views.size()));
  writer.U8(0);
  for (std::size_t v = 0; v < record.views.size(); ++v) {
    ABIS_RETURN_IF_ERROR(WriteFingerView(writer, record.views[v], static_cast<int>(v), AngleUnit::kIso256ths));
  }
  writer.PatchU32BigEndian(8, static_cast<std::uint32_t>(writer.size()));
  return writer.Take();
}

}  // namespace abis::finger::internal
