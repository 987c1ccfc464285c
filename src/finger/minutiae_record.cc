#include "abis/finger/minutiae_record.h"

#include <cmath>
#include <cstring>

#include "minutiae_record_formats.h"

namespace abis::finger {
namespace {

constexpr std::size_t kMagicAndVersionBytes = 8;

std::uint32_t BigEndianAt(std::span<const std::uint8_t> bytes, std::size_t offset, int width) {
  std::uint32_t value = 0;
  for (int i = 0; i < width; ++i) value = (value << 8) | bytes[offset + i];
  return value;
}

}  // namespace

std::string_view MinutiaeRecordFormatName(MinutiaeRecordFormat format) {
  return format == MinutiaeRecordFormat::kAnsi378_2004 ? "ansi378" : "iso19794-2";
}

Result<MinutiaeRecordFormat> ParseMinutiaeRecordFormat(std::string_view name) {
  if (name == "iso19794-2" || name == "iso" || name == "iso19794-2:2005") {
    return MinutiaeRecordFormat::kIso19794_2_2005;
  }
  if (name == "ansi378" || name == "ansi" || name == "incits378" || name == "ansi378-2004") {
    return MinutiaeRecordFormat::kAnsi378_2004;
  }
  return Status::InvalidArgument("unknown minutiae record format '" + std::string(name) +
                                 "' (expected iso19794-2 or ansi378)");
}

bool LooksLikeMinutiaeRecord(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= 4 && std::memcmp(bytes.data(), "FMR\0", 4) == 0;
}

namespace internal {

Status CheckFmrMagicAndVersion(std::span<const std::uint8_t> bytes, const std::string& source_name) {
  if (!LooksLikeMinutiaeRecord(bytes)) {
    return Status::InvalidArgument(source_name + ": not a finger minutiae record (no \"FMR\\0\" magic)");
  }
  if (bytes.size() < kMagicAndVersionBytes) {
    return Status::InvalidArgument(source_name + ": truncated: record ends inside its version field");
  }
  if (std::memcmp(bytes.data() + 4, " 20\0", 4) == 0) return Status::Ok();
  std::string version;
  for (std::size_t i = 4; i < 7; ++i) {
    const char c = static_cast<char>(bytes[i]);
    version += (c >= 0x20 && c < 0x7F) ? c : '?';
  }
  if (std::memcmp(bytes.data() + 4, "030\0", 4) == 0) {
    return Status::Unimplemented(source_name + ": minutiae record version \"" + version +
                                 "\" (ISO/IEC 19794-2:2011 or ANSI INCITS 378-2009) is not supported; "
                                 "supported: version \" 20\" (ISO/IEC 19794-2:2005, ANSI INCITS 378-2004)");
  }
  return Status::Unimplemented(source_name + ": unknown minutiae record version \"" + version +
                               "\"; supported: \" 20\" (ISO/IEC 19794-2:2005, ANSI INCITS 378-2004)");
}

Status CheckWritableHeader(const MinutiaeRecord& record) {
  if (record.views.empty() || record.views.size() > static_cast<std::size_t>(kMaxFingerViews)) {
    return Status::InvalidArgument("a minutiae record needs 1-255 finger views, got " +
                                   std::to_string(record.views.size()));
  }
  for (const int value : {record.width, record.height, record.x_resolution_ppcm, record.y_resolution_ppcm}) {
    if (value < 0 || value > 0xFFFF) {
      return Status::InvalidArgument("image size or resolution " + std::to_string(value) +
                                     " does not fit 2 bytes");
    }
  }
  if (record.x_resolution_ppcm == 0 || record.y_resolution_ppcm == 0) {
    return Status::InvalidArgument("resolution must not be zero");
  }
  for (std::size_t v = 0; v < record.views.size(); ++v) {
    for (const Minutia& minutia : record.views[v].minutiae.minutiae) {
      if ((record.width > 0 && minutia.x >= record.width) || (record.height > 0 && minutia.y >= record.height)) {
        return Status::InvalidArgument("minutia (" + std::to_string(minutia.x) + ", " + std::to_string(minutia.y) +
                                       ") of view " + std::to_string(v) + " lies outside the " +
                                       std::to_string(record.width) + "x" + std::to_string(record.height) +
                                       " image");
      }
    }
  }
  return Status::Ok();
}

}  // namespace internal

Result<MinutiaeRecordFormat> DetectMinutiaeRecordFormat(std::span<const std::uint8_t> bytes,
                                                        const std::string& source_name) {
  ABIS_RETURN_IF_ERROR(internal::CheckFmrMagicAndVersion(bytes, source_name));
  if (bytes.size() < 12) {
    return Status::InvalidArgument(source_name + ": truncated: " + std::to_string(bytes.size()) +
                                   " bytes cannot hold a minutiae record header");
  }
  const std::uint32_t iso_length = BigEndianAt(bytes, 8, 4);
  std::uint32_t ansi_length = BigEndianAt(bytes, 8, 2);
  if (ansi_length == 0 && bytes.size() >= 14) ansi_length = BigEndianAt(bytes, 10, 4);
  if (iso_length == bytes.size()) return MinutiaeRecordFormat::kIso19794_2_2005;
  if (ansi_length == bytes.size()) return MinutiaeRecordFormat::kAnsi378_2004;
  return Status::InvalidArgument(source_name + ": record length field says " + std::to_string(iso_length) +
                                 " bytes (read as ISO/IEC 19794-2) or " + std::to_string(ansi_length) +
                                 " bytes (read as ANSI INCITS 378) but " + std::to_string(bytes.size()) +
                                 " were given: truncated or padded record");
}

Result<MinutiaeRecord> ReadMinutiaeRecord(std::span<const std::uint8_t> bytes, MinutiaeRecordFormat format,
                                          const std::string& source_name) {
  if (format == MinutiaeRecordFormat::kAnsi378_2004) return internal::ReadAnsi378_2004(bytes, source_name);
  return internal::ReadIso19794_2_2005(bytes, source_name);
}

Result<MinutiaeRecord> ReadMinutiaeRecord(std::span<const std::uint8_t> bytes, const std::string& source_name) {
  ABIS_ASSIGN_OR_RETURN(const MinutiaeRecordFormat format, DetectMinutiaeRecordFormat(bytes, source_name));
  return ReadMinutiaeRecord(bytes, format, source_name);
}

Result<std::vector<std::uint8_t>> WriteMinutiaeRecord(const MinutiaeRecord& record) {
  if (record.format == MinutiaeRecordFormat::kAnsi378_2004) return internal::WriteAnsi378_2004(record);
  return internal::WriteIso19794_2_2005(record);
}

MinutiaeRecord SingleViewRecord(const MinutiaeTemplate& minutiae, MinutiaeRecordFormat format) {
  MinutiaeRecord record;
  record.format = format;
  record.width = minutiae.width;
  record.height = minutiae.height;
  const int ppcm = static_cast<int>(std::lround(minutiae.resolution_ppi / 2.54));
  record.x_resolution_ppcm = ppcm;
  record.y_resolution_ppcm = ppcm;
  FingerView view;
  view.minutiae = minutiae;
  record.views.push_back(std::move(view));
  return record;
}

}  // namespace abis::finger
