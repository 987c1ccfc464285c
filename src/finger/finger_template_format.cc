#include "abis/finger/finger_template_format.h"

#include <array>
#include <cmath>
#include <cstring>
#include <numbers>
#include <string>

#include "byte_reader.h"

namespace abis::finger {
namespace {

constexpr char kMagic[4] = {'A', 'B', 'F', 'T'};
constexpr std::size_t kHeaderBytes = 24;
constexpr std::size_t kMinutiaBytes = 8;
constexpr std::size_t kOrientationHeaderBytes = 6;  // version 2: block size, columns, rows
constexpr std::uint16_t kFirstVersion = 1;           // minutiae only; still read
constexpr std::size_t kTrailerBytes = 4;
constexpr double kTwoPi = 2.0 * std::numbers::pi;

std::array<std::uint32_t, 256> MakeCrcTable() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}

}  // namespace

std::uint32_t Crc32(std::span<const std::uint8_t> bytes) {
  static const std::array<std::uint32_t, 256> table = MakeCrcTable();
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const std::uint8_t byte : bytes) crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

Status ValidateOrientationMap(const RidgeOrientationMap& map, int width, int height) {
  if (map.empty()) {
    if (map.columns != 0 || map.rows != 0 || !map.cells.empty()) {
      return Status::InvalidArgument("orientation map has cells but no block size");
    }
    return Status::Ok();
  }
  if (map.block_size < 1 || map.block_size > 255 || map.columns < 1 || map.rows < 1 || map.columns > 0xFFFF ||
      map.rows > 0xFFFF) {
    return Status::InvalidArgument("orientation map block size " + std::to_string(map.block_size) + " with " +
                                   std::to_string(map.columns) + "x" + std::to_string(map.rows) +
                                   " cells: expected a block size 1-255 and 1-65535 columns and rows");
  }
  if (map.cells.size() != static_cast<std::size_t>(map.columns) * map.rows) {
    return Status::InvalidArgument("orientation map holds " + std::to_string(map.cells.size()) + " cells for " +
                                   std::to_string(map.columns) + "x" + std::to_string(map.rows) + " blocks");
  }
  if ((width > 0 && map.columns != (width + map.block_size - 1) / map.block_size) ||
      (height > 0 && map.rows != (height + map.block_size - 1) / map.block_size)) {
    return Status::InvalidArgument("orientation map of " + std::to_string(map.columns) + "x" +
                                   std::to_string(map.rows) + " blocks of " + std::to_string(map.block_size) +
                                   " px does not cover the " + std::to_string(width) + "x" + std::to_string(height) +
                                   " image");
  }
  for (std::size_t i = 0; i < map.cells.size(); ++i) {
    if (!RidgeOrientationMap::IsDirection(map.cells[i]) && map.cells[i] != RidgeOrientationMap::kNoDirection) {
      return Status::InvalidArgument("orientation map cell " + std::to_string(i) + " holds " +
                                     std::to_string(map.cells[i]) + ": expected 0-179 degrees or 255 (no direction)");
    }
  }
  return Status::Ok();
}

Result<std::vector<std::uint8_t>> EncodeFingerTemplate(const MinutiaeTemplate& minutiae) {
  if (minutiae.minutiae.size() > static_cast<std::size_t>(kMaxTemplateMinutiae)) {
    return Status::InvalidArgument("finger template holds at most " + std::to_string(kMaxTemplateMinutiae) +
                                   " minutiae, got " + std::to_string(minutiae.minutiae.size()));
  }
  if (minutiae.width < 0 || minutiae.width > 0xFFFF || minutiae.height < 0 || minutiae.height > 0xFFFF) {
    return Status::InvalidArgument("finger template image size does not fit 0-65535");
  }
  if (!std::isfinite(minutiae.resolution_ppi) || minutiae.resolution_ppi < 0 ||
      minutiae.resolution_ppi * 100 > 4294967295.0) {
    return Status::InvalidArgument("finger template resolution is not a valid ppi value");
  }
  if (minutiae.finger_quality < 0 || minutiae.finger_quality > 100) {
    return Status::InvalidArgument("finger quality outside 0-100");
  }
  const RidgeOrientationMap& map = minutiae.orientation;
  if (Status valid = ValidateOrientationMap(map, minutiae.width, minutiae.height); !valid.ok()) {
    return Status::InvalidArgument("finger template " + valid.message());
  }
  internal::ByteWriter writer;
  writer.Bytes(std::string_view(kMagic, 4));
  writer.U16LittleEndian(kFingerTemplateFormatVersion);
  writer.U16LittleEndian(0);  // flags, reserved
  writer.U16LittleEndian(static_cast<std::uint16_t>(minutiae.width));
  writer.U16LittleEndian(static_cast<std::uint16_t>(minutiae.height));
  writer.U32LittleEndian(static_cast<std::uint32_t>(std::lround(minutiae.resolution_ppi * 100)));
  writer.U8(static_cast<std::uint8_t>(minutiae.position));
  writer.U8(static_cast<std::uint8_t>(minutiae.finger_quality));
  writer.U16LittleEndian(0);  // reserved
  writer.U32LittleEndian(static_cast<std::uint32_t>(minutiae.minutiae.size()));
  for (std::size_t i = 0; i < minutiae.minutiae.size(); ++i) {
    const Minutia& minutia = minutiae.minutiae[i];
    if (minutia.x < 0 || minutia.x > 0xFFFF || minutia.y < 0 || minutia.y > 0xFFFF) {
      return Status::InvalidArgument("minutia " + std::to_string(i) + " has coordinates outside 0-65535");
    }
    if ((minutiae.width > 0 && minutia.x >= minutiae.width) || (minutiae.height > 0 && minutia.y >= minutiae.height)) {
      return Status::InvalidArgument("minutia " + std::to_string(i) + " at (" + std::to_string(minutia.x) + ", " +
                                     std::to_string(minutia.y) + ") lies outside the " +
                                     std::to_string(minutiae.width) + "x" + std::to_string(minutiae.height) +
                                     " image");
    }
    if (minutia.quality < 0 || minutia.quality > 100 || !std::isfinite(minutia.angle)) {
      return Status::InvalidArgument("minutia " + std::to_string(i) + " has a quality outside 0-100 or a "
                                     "non-finite angle");
    }
    double turns = std::fmod(minutia.angle / kTwoPi, 1.0);
    if (turns < 0) turns += 1.0;
    writer.U16LittleEndian(static_cast<std::uint16_t>(minutia.x));
    writer.U16LittleEndian(static_cast<std::uint16_t>(minutia.y));
    writer.U16LittleEndian(static_cast<std::uint16_t>(std::lround(turns * 65536.0) % 65536));
    writer.U8(static_cast<std::uint8_t>(minutia.type));
    writer.U8(static_cast<std::uint8_t>(minutia.quality));
  }
  writer.U16LittleEndian(static_cast<std::uint16_t>(map.block_size));
  writer.U16LittleEndian(static_cast<std::uint16_t>(map.columns));
  writer.U16LittleEndian(static_cast<std::uint16_t>(map.rows));
  for (const std::uint8_t cell : map.cells) writer.U8(cell);
  std::vector<std::uint8_t> bytes = writer.Take();
  const std::uint32_t crc = Crc32(bytes);
  for (int shift = 0; shift <= 24; shift += 8) bytes.push_back(static_cast<std::uint8_t>(crc >> shift));
  return bytes;
}

Result<MinutiaeTemplate> DecodeFingerTemplate(std::span<const std::uint8_t> bytes, const std::string& source_name) {
  if (bytes.size() < 6 || std::memcmp(bytes.data(), kMagic, 4) != 0) {
    return Status::InvalidArgument(source_name + ": not an abis finger template (no \"ABFT\" magic)");
  }
  internal::ByteReader reader(bytes, source_name);
  ABIS_RETURN_IF_ERROR(reader.Skip(4, "magic"));
  ABIS_ASSIGN_OR_RETURN(const std::uint16_t version, reader.U16LittleEndian("format version"));
  if (version != kFingerTemplateFormatVersion && version != kFirstVersion) {
    return Status::Unimplemented(source_name + ": finger template format version " + std::to_string(version) +
                                 " is not supported (this build reads versions " + std::to_string(kFirstVersion) +
                                 " and " + std::to_string(kFingerTemplateFormatVersion) + "); re-extract the template");
  }
  if (bytes.size() < kHeaderBytes + kTrailerBytes) {
    return Status::InvalidArgument(source_name + ": truncated: " + std::to_string(bytes.size()) +
                                   " bytes cannot hold a finger template header and CRC");
  }
  const std::size_t body_size = bytes.size() - kTrailerBytes;
  std::uint32_t stored_crc = 0;
  for (int i = 3; i >= 0; --i) stored_crc = (stored_crc << 8) | bytes[body_size + i];
  ABIS_ASSIGN_OR_RETURN(const std::uint16_t flags, reader.U16LittleEndian("flags"));
  MinutiaeTemplate minutiae;
  ABIS_ASSIGN_OR_RETURN(minutiae.width, reader.U16LittleEndian("width"));
  ABIS_ASSIGN_OR_RETURN(minutiae.height, reader.U16LittleEndian("height"));
  ABIS_ASSIGN_OR_RETURN(const std::uint32_t centi_ppi, reader.U32LittleEndian("resolution"));
  minutiae.resolution_ppi = centi_ppi / 100.0;
  ABIS_ASSIGN_OR_RETURN(const std::uint8_t position_code, reader.U8("finger position"));
  ABIS_ASSIGN_OR_RETURN(const std::uint8_t finger_quality, reader.U8("finger quality"));
  ABIS_RETURN_IF_ERROR(reader.Skip(2, "reserved"));
  ABIS_ASSIGN_OR_RETURN(const std::uint32_t count, reader.U32LittleEndian("minutia count"));
  if (count > static_cast<std::uint32_t>(kMaxTemplateMinutiae)) {
    return reader.Error("finger template claims " + std::to_string(count) + " minutiae; at most " +
                        std::to_string(kMaxTemplateMinutiae) + " are allowed");
  }
  const std::size_t minutiae_end = kHeaderBytes + count * kMinutiaBytes;
  // Version 2 appends the orientation map; its size is read from its own header, checked against
  // the bytes actually there before anything is allocated.
  std::size_t map_bytes = 0;
  std::uint16_t map_block = 0, map_columns = 0, map_rows = 0;
  if (version >= 2) {
    if (bytes.size() < minutiae_end + kOrientationHeaderBytes + kTrailerBytes) {
      return Status::InvalidArgument(source_name + ": truncated: " + std::to_string(bytes.size()) +
                                     " bytes cannot hold " + std::to_string(count) +
                                     " minutiae, the orientation map header and the CRC");
    }
    auto u16_at = [&](std::size_t offset) {
      return static_cast<std::uint16_t>(bytes[offset] | (bytes[offset + 1] << 8));
    };
    map_block = u16_at(minutiae_end);
    map_columns = u16_at(minutiae_end + 2);
    map_rows = u16_at(minutiae_end + 4);
    map_bytes = kOrientationHeaderBytes + static_cast<std::size_t>(map_columns) * map_rows;
  }
  const std::size_t expected = minutiae_end + map_bytes + kTrailerBytes;
  if (bytes.size() != expected) {
    return Status::InvalidArgument(source_name + ": finger template of " + std::to_string(count) +
                                   " minutiae must be " + std::to_string(expected) + " bytes, got " +
                                   std::to_string(bytes.size()) +
                                   (bytes.size() < expected ? ": truncated" : ": trailing bytes"));
  }
  if (Crc32(bytes.first(body_size)) != stored_crc) {
    return Status::DataLoss(source_name + ": finger template CRC-32 mismatch: the template is damaged");
  }
  if (flags != 0) return reader.Error("unknown flags " + std::to_string(flags) + " in finger template");
  auto position = FingerPositionFromCode(position_code);
  if (!position.ok()) return reader.Error("finger position " + std::to_string(position_code) + " outside 0-10");
  minutiae.position = position.value();
  if (finger_quality > 100) return reader.Error("finger quality " + std::to_string(finger_quality) + " above 100");
  minutiae.finger_quality = finger_quality;
  minutiae.minutiae.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    Minutia minutia;
    ABIS_ASSIGN_OR_RETURN(minutia.x, reader.U16LittleEndian("minutia x"));
    ABIS_ASSIGN_OR_RETURN(minutia.y, reader.U16LittleEndian("minutia y"));
    ABIS_ASSIGN_OR_RETURN(const std::uint16_t angle_code, reader.U16LittleEndian("minutia angle"));
    ABIS_ASSIGN_OR_RETURN(const std::uint8_t type_code, reader.U8("minutia type"));
    ABIS_ASSIGN_OR_RETURN(const std::uint8_t quality, reader.U8("minutia quality"));
    if (type_code > 2) return reader.Error("minutia " + std::to_string(i) + " has unknown type " + std::to_string(type_code));
    if (quality > 100) return reader.Error("minutia " + std::to_string(i) + " has quality above 100");
    if ((minutiae.width > 0 && minutia.x >= minutiae.width) || (minutiae.height > 0 && minutia.y >= minutiae.height)) {
      return reader.Error("minutia " + std::to_string(i) + " at (" + std::to_string(minutia.x) + ", " +
                          std::to_string(minutia.y) + ") lies outside the " + std::to_string(minutiae.width) +
                          "x" + std::to_string(minutiae.height) + " image");
    }
    minutia.angle = angle_code * kTwoPi / 65536.0;
    minutia.type = static_cast<MinutiaType>(type_code);
    minutia.quality = quality;
    minutiae.minutiae.push_back(minutia);
  }
  if (version >= 2) {
    ABIS_RETURN_IF_ERROR(reader.Skip(kOrientationHeaderBytes, "orientation map header"));
    RidgeOrientationMap map;
    map.block_size = map_block;
    map.columns = map_columns;
    map.rows = map_rows;
    map.cells.reserve(static_cast<std::size_t>(map_columns) * map_rows);  // the size check above bounds it
    for (std::size_t i = 0; i < static_cast<std::size_t>(map_columns) * map_rows; ++i) {
      ABIS_ASSIGN_OR_RETURN(const std::uint8_t cell, reader.U8("orientation map cell"));
      map.cells.push_back(cell);
    }
    if (Status valid = ValidateOrientationMap(map, minutiae.width, minutiae.height); !valid.ok()) {
      return reader.Error(valid.message());
    }
    minutiae.orientation = std::move(map);
  }
  return minutiae;
}

}  // namespace abis::finger
