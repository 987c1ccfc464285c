#include "minutiae_view_codec.h"

#include <cmath>
#include <numbers>
#include <string>

namespace abis::finger::internal {
namespace {

constexpr double kTwoPi = 2.0 * std::numbers::pi;
constexpr int kMaxCoordinate = 0x3FFF;  // 14 bits

std::string Where(int view_index, int minutia_index = -1) {
  std::string where = "view " + std::to_string(view_index);
  if (minutia_index >= 0) where += " minutia " + std::to_string(minutia_index);
  return where;
}

// Skips the extended data block, which this reader does not interpret. A block that overruns
// the record is an error, except in the last view: some writers miscount the last block by a
// byte or two, and the record length (checked first) is authoritative, so the reader skips to the
// record end and says so in `warnings`.
Status SkipExtendedData(ByteReader& reader, int view_index, bool last_view, std::vector<std::string>& warnings) {
  ABIS_ASSIGN_OR_RETURN(const std::uint16_t block_length,
                        reader.U16BigEndian("extended data block length of " + Where(view_index)));
  if (last_view && block_length != reader.remaining()) {
    warnings.push_back("extended data block of " + Where(view_index) + " declares " + std::to_string(block_length) +
                       " bytes but " + std::to_string(reader.remaining()) +
                       " remain in the record; skipped to the record end");
    return reader.Skip(reader.remaining(), "extended data block");
  }
  if (block_length > reader.remaining()) {
    return reader.Error("extended data block of " + Where(view_index) + " claims " + std::to_string(block_length) +
                        " bytes but only " + std::to_string(reader.remaining()) + " remain");
  }
  return reader.Skip(block_length, "extended data block");
}

}  // namespace

Result<FingerView> ReadFingerView(ByteReader& reader, MinutiaeRecord& record, int view_index,
                                  AngleUnit angle_unit, bool last_view) {
  FingerView view;
  ABIS_ASSIGN_OR_RETURN(const std::uint8_t position_code, reader.U8("finger position of " + Where(view_index)));
  auto position = FingerPositionFromCode(position_code);
  if (!position.ok()) {
    return reader.Error("finger position " + std::to_string(position_code) + " of " + Where(view_index) +
                        " is outside 0-10");
  }
  ABIS_ASSIGN_OR_RETURN(const std::uint8_t view_and_impression, reader.U8("view number of " + Where(view_index)));
  view.view_number = view_and_impression >> 4;
  view.impression_type = view_and_impression & 0x0F;
  ABIS_ASSIGN_OR_RETURN(const std::uint8_t finger_quality, reader.U8("finger quality of " + Where(view_index)));
  if (finger_quality > 100) {
    return reader.Error("finger quality " + std::to_string(finger_quality) + " of " + Where(view_index) +
                        " is above 100");
  }
  ABIS_ASSIGN_OR_RETURN(const std::uint8_t minutia_count, reader.U8("minutia count of " + Where(view_index)));
  // Check the whole minutiae block is present before reserving memory for it.
  if (static_cast<std::size_t>(minutia_count) * 6 > reader.remaining()) {
    return reader.Error(Where(view_index) + " claims " + std::to_string(minutia_count) + " minutiae (" +
                        std::to_string(minutia_count * 6) + " bytes) but only " +
                        std::to_string(reader.remaining()) + " bytes remain: truncated record");
  }

  MinutiaeTemplate& minutiae = view.minutiae;
  minutiae.width = record.width;
  minutiae.height = record.height;
  minutiae.resolution_ppi = record.x_resolution_ppcm * 2.54;
  minutiae.position = position.value();
  minutiae.finger_quality = finger_quality;
  minutiae.minutiae.reserve(minutia_count);
  for (int i = 0; i < minutia_count; ++i) {
    ABIS_ASSIGN_OR_RETURN(const std::uint16_t type_and_x, reader.U16BigEndian("minutia x"));
    ABIS_ASSIGN_OR_RETURN(const std::uint16_t reserved_and_y, reader.U16BigEndian("minutia y"));
    ABIS_ASSIGN_OR_RETURN(const std::uint8_t angle_code, reader.U8("minutia angle"));
    ABIS_ASSIGN_OR_RETURN(const std::uint8_t quality, reader.U8("minutia quality"));
    Minutia minutia;
    const int type_code = type_and_x >> 14;
    if (type_code == 3) return reader.Error("reserved minutia type 3 in " + Where(view_index, i));
    minutia.type = static_cast<MinutiaType>(type_code);
    minutia.x = type_and_x & kMaxCoordinate;
    minutia.y = reserved_and_y & kMaxCoordinate;
    if ((record.width > 0 && minutia.x >= record.width) || (record.height > 0 && minutia.y >= record.height)) {
      return reader.Error("coordinates (" + std::to_string(minutia.x) + ", " + std::to_string(minutia.y) +
                          ") of " + Where(view_index, i) + " lie outside the " +
                          std::to_string(record.width) + "x" + std::to_string(record.height) + " image");
    }
    if (angle_unit == AngleUnit::kAnsi2Degrees) {
      if (angle_code > 179) {
        return reader.Error("angle code " + std::to_string(angle_code) + " of " + Where(view_index, i) +
                            " is above 179 (units of 2 degrees)");
      }
      minutia.angle = angle_code * 2.0 * std::numbers::pi / 180.0;
    } else {
      minutia.angle = angle_code * kTwoPi / 256.0;
    }
    if (quality > 100) {
      return reader.Error("minutia quality " + std::to_string(quality) + " of " + Where(view_index, i) +
                          " is above 100");
    }
    minutia.quality = quality;
    minutiae.minutiae.push_back(minutia);
  }
  ABIS_RETURN_IF_ERROR(SkipExtendedData(reader, view_index, last_view, record.warnings));
  return view;
}

Status WriteFingerView(ByteWriter& writer, const FingerView& view, int view_index, AngleUnit angle_unit) {
  const MinutiaeTemplate& minutiae = view.minutiae;
  const auto position_code = static_cast<int>(minutiae.position);
  if (position_code < 0 || position_code > 10) {
    return Status::InvalidArgument("finger position " + std::to_string(position_code) + " of " +
                                   Where(view_index) + " is outside 0-10");
  }
  if (view.view_number < 0 || view.view_number > 15 || view.impression_type < 0 ||
      view.impression_type > kMaxImpressionType) {
    return Status::InvalidArgument("view number or impression type of " + Where(view_index) +
                                   " does not fit 4 bits");
  }
  if (minutiae.finger_quality < 0 || minutiae.finger_quality > 100) {
    return Status::InvalidArgument("finger quality of " + Where(view_index) + " is outside 0-100");
  }
  if (minutiae.minutiae.size() > static_cast<std::size_t>(kMaxMinutiaePerView)) {
    return Status::InvalidArgument(Where(view_index) + " has " + std::to_string(minutiae.minutiae.size()) +
                                   " minutiae; the format holds at most 255");
  }
  writer.U8(static_cast<std::uint8_t>(position_code));
  writer.U8(static_cast<std::uint8_t>((view.view_number << 4) | view.impression_type));
  writer.U8(static_cast<std::uint8_t>(minutiae.finger_quality));
  writer.U8(static_cast<std::uint8_t>(minutiae.minutiae.size()));
  for (std::size_t i = 0; i < minutiae.minutiae.size(); ++i) {
    const Minutia& minutia = minutiae.minutiae[i];
    const int index = static_cast<int>(i);
    if (minutia.x < 0 || minutia.y < 0 || minutia.x > kMaxCoordinate || minutia.y > kMaxCoordinate) {
      return Status::InvalidArgument("coordinates of " + Where(view_index, index) + " do not fit 14 bits");
    }
    if (minutia.quality < 0 || minutia.quality > 100) {
      return Status::InvalidArgument("quality of " + Where(view_index, index) + " is outside 0-100");
    }
    if (!std::isfinite(minutia.angle)) {
      return Status::InvalidArgument("angle of " + Where(view_index, index) + " is not finite");
    }
    double turns = std::fmod(minutia.angle / kTwoPi, 1.0);
    if (turns < 0) turns += 1.0;
    int angle_code = 0;
    if (angle_unit == AngleUnit::kAnsi2Degrees) {
      angle_code = static_cast<int>(std::lround(turns * 180.0)) % 180;
    } else {
      angle_code = static_cast<int>(std::lround(turns * 256.0)) % 256;
    }
    const int type_code = static_cast<int>(minutia.type) & 0x3;
    writer.U16BigEndian(static_cast<std::uint16_t>((type_code << 14) | minutia.x));
    writer.U16BigEndian(static_cast<std::uint16_t>(minutia.y));
    writer.U8(static_cast<std::uint8_t>(angle_code));
    writer.U8(static_cast<std::uint8_t>(minutia.quality));
  }
  writer.U16BigEndian(0);  // no extended data
  return Status::Ok();
}

Status CheckRecordLength(std::uint32_t declared, std::size_t actual, const std::string& source_name,
                         std::string_view format_name) {
  if (declared == actual) return Status::Ok();
  return Status::InvalidArgument(source_name + ": " + std::string(format_name) + " record length field says " +
                                 std::to_string(declared) + " bytes but " + std::to_string(actual) + " were given" +
                                 (declared > actual ? ": truncated record" : ""));
}

Status ReadRecordBody(ByteReader& reader, MinutiaeRecord& record, AngleUnit angle_unit) {
  ABIS_ASSIGN_OR_RETURN(const std::uint16_t equipment, reader.U16BigEndian("capture equipment"));
  record.capture_equipment_compliance = equipment >> 12;
  record.capture_equipment_id = equipment & 0x0FFF;
  ABIS_ASSIGN_OR_RETURN(record.width, reader.U16BigEndian("image width"));
  ABIS_ASSIGN_OR_RETURN(record.height, reader.U16BigEndian("image height"));
  ABIS_ASSIGN_OR_RETURN(record.x_resolution_ppcm, reader.U16BigEndian("x resolution"));
  ABIS_ASSIGN_OR_RETURN(record.y_resolution_ppcm, reader.U16BigEndian("y resolution"));
  if (record.x_resolution_ppcm == 0 || record.y_resolution_ppcm == 0) {
    return reader.Error("resolution is zero");
  }
  ABIS_ASSIGN_OR_RETURN(const std::uint8_t view_count, reader.U8("number of finger views"));
  ABIS_RETURN_IF_ERROR(reader.Skip(1, "reserved byte"));
  if (view_count == 0) return reader.Error("record has no finger view");
  record.views.reserve(view_count);
  for (int v = 0; v < view_count; ++v) {
    ABIS_ASSIGN_OR_RETURN(FingerView view, ReadFingerView(reader, record, v, angle_unit, v + 1 == view_count));
    record.views.push_back(std::move(view));
  }
  if (reader.remaining() != 0) {
    return reader.Error(std::to_string(reader.remaining()) + " bytes left after the last finger view");
  }
  return Status::Ok();
}

Status WriteRecordBody(ByteWriter& writer, const MinutiaeRecord& record, AngleUnit angle_unit) {
  writer.U16BigEndian(static_cast<std::uint16_t>(((record.capture_equipment_compliance & 0xF) << 12) |
                                                 (record.capture_equipment_id & 0x0FFF)));
  writer.U16BigEndian(static_cast<std::uint16_t>(record.width));
  writer.U16BigEndian(static_cast<std::uint16_t>(record.height));
  writer.U16BigEndian(static_cast<std::uint16_t>(record.x_resolution_ppcm));
  writer.U16BigEndian(static_cast<std::uint16_t>(record.y_resolution_ppcm));
  writer.U8(static_cast<std::uint8_t>(record.views.size()));
  writer.U8(0);
  for (std::size_t v = 0; v < record.views.size(); ++v) {
    ABIS_RETURN_IF_ERROR(WriteFingerView(writer, record.views[v], static_cast<int>(v), angle_unit));
  }
  return Status::Ok();
}

}  // namespace abis::finger::internal
