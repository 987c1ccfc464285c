#include "iso19794_byte_reader.h"

#include <algorithm>

#include <fmt/format.h>

namespace abis::interop {

std::string IsoCaptureDateTime::ToIso8601() const {
  if (year == 0xFFFF) return "";
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", year, month, day, hour, minute, second, millisecond);
}

namespace internal {

Status IsoByteReader::Error(std::string_view field, const std::string& problem) const {
  return Status::InvalidArgument(label_ + ": " + std::string(field) + " at byte " + std::to_string(position_) + ": " +
                                 problem);
}

Result<IsoByteReader> IsoByteReader::Representation(std::size_t index, std::size_t fixed_bytes) {
  const std::size_t start = position_;
  ABIS_ASSIGN_OR_RETURN(std::uint32_t length, U32("representation length"));
  if (length < fixed_bytes || length > remaining() + 4) {
    return Error("representation length", std::to_string(length) + " does not fit the " +
                                              std::to_string(remaining() + 4) +
                                              " bytes left in the record (representation " +
                                              std::to_string(index + 1) + ")");
  }
  IsoByteReader body(bytes_.subspan(start, length), label_ + ", representation " + std::to_string(index + 1));
  body.position_ = 4;
  position_ = start + length;
  return body;
}

Result<IsoRepresentationHeader> IsoByteReader::RepresentationHeader(bool with_certifications) {
  IsoRepresentationHeader header;
  ABIS_ASSIGN_OR_RETURN(header.capture_time, CaptureDateTime());
  ABIS_ASSIGN_OR_RETURN(std::uint32_t technology, U8("capture device technology"));
  ABIS_ASSIGN_OR_RETURN(std::uint32_t vendor, U16("capture device vendor"));
  ABIS_ASSIGN_OR_RETURN(std::uint32_t device_type, U16("capture device type"));
  ABIS_ASSIGN_OR_RETURN(header.quality, QualityBlocks());
  if (with_certifications) {
    ABIS_ASSIGN_OR_RETURN(header.certifications, CertificationBlocks());
  }
  header.capture_device_technology = static_cast<int>(technology);
  header.capture_device_vendor = static_cast<int>(vendor);
  header.capture_device_type = static_cast<int>(device_type);
  return header;
}

Result<IsoByteReader> OpenIsoRecord(std::span<const std::uint8_t> bytes,
                                    std::span<const std::uint8_t> format_and_version, const std::string& label,
                                    const std::string& format_description, std::size_t general_header_bytes,
                                    std::vector<std::string>* deviations) {
  IsoByteReader header(bytes, label);
  ABIS_ASSIGN_OR_RETURN(std::span<const std::uint8_t> magic, header.Bytes("format identifier and version", 8));
  if (!std::equal(magic.begin(), magic.end(), format_and_version.begin(), format_and_version.end())) {
    return Status::InvalidArgument(label + ": format identifier/version is not " + format_description);
  }
  ABIS_ASSIGN_OR_RETURN(std::uint32_t record_length, header.U32("record length"));
  if (record_length < general_header_bytes) {
    return header.Error("record length", std::to_string(record_length) + " is shorter than the general header");
  }
  if (record_length > bytes.size()) {
    return header.Error("record length", "declares " + std::to_string(record_length) + " bytes but the data holds " +
                                             std::to_string(bytes.size()) + " (truncated record)");
  }
  if (record_length < bytes.size() && deviations != nullptr) {
    deviations->push_back(label + ": " + std::to_string(bytes.size() - record_length) +
                          " bytes after the declared record length of " + std::to_string(record_length) +
                          " ignored");
  }
  IsoByteReader reader(bytes.first(record_length), label);
  ABIS_RETURN_IF_ERROR(reader.Skip("record header", 12));
  return reader;
}

Result<std::uint32_t> IsoByteReader::Unsigned(std::string_view field, int width) {
  if (remaining() < static_cast<std::size_t>(width)) {
    return Error(field, "needs " + std::to_string(width) + " bytes but " + std::to_string(remaining()) +
                            " remain (truncated record?)");
  }
  std::uint32_t value = 0;
  for (int i = 0; i < width; ++i) value = (value << 8) | bytes_[position_++];
  return value;
}

Result<std::span<const std::uint8_t>> IsoByteReader::Bytes(std::string_view field, std::size_t count) {
  if (remaining() < count) {
    return Error(field, "declares " + std::to_string(count) + " bytes but " + std::to_string(remaining()) +
                            " remain (truncated record?)");
  }
  std::span<const std::uint8_t> out = bytes_.subspan(position_, count);
  position_ += count;
  return out;
}

Status IsoByteReader::Skip(std::string_view field, std::size_t count) {
  ABIS_ASSIGN_OR_RETURN(std::span<const std::uint8_t> skipped, Bytes(field, count));
  (void)skipped;
  return Status::Ok();
}

Result<IsoCaptureDateTime> IsoByteReader::CaptureDateTime() {
  IsoCaptureDateTime time;
  ABIS_ASSIGN_OR_RETURN(std::uint32_t year, U16("capture year"));
  ABIS_ASSIGN_OR_RETURN(std::uint32_t month, U8("capture month"));
  ABIS_ASSIGN_OR_RETURN(std::uint32_t day, U8("capture day"));
  ABIS_ASSIGN_OR_RETURN(std::uint32_t hour, U8("capture hour"));
  ABIS_ASSIGN_OR_RETURN(std::uint32_t minute, U8("capture minute"));
  ABIS_ASSIGN_OR_RETURN(std::uint32_t second, U8("capture second"));
  ABIS_ASSIGN_OR_RETURN(std::uint32_t millisecond, U16("capture millisecond"));
  time.year = static_cast<int>(year);
  time.month = static_cast<int>(month);
  time.day = static_cast<int>(day);
  time.hour = static_cast<int>(hour);
  time.minute = static_cast<int>(minute);
  time.second = static_cast<int>(second);
  time.millisecond = static_cast<int>(millisecond);
  return time;
}

Result<std::vector<IsoQualityBlock>> IsoByteReader::QualityBlocks() {
  ABIS_ASSIGN_OR_RETURN(std::uint32_t count, U8("number of quality blocks"));
  std::vector<IsoQualityBlock> blocks;
  for (std::uint32_t i = 0; i < count; ++i) {
    IsoQualityBlock block;
    ABIS_ASSIGN_OR_RETURN(std::uint32_t score, U8("quality score"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t vendor, U16("quality algorithm vendor id"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t algorithm, U16("quality algorithm id"));
    block.score = static_cast<int>(score);
    block.algorithm_vendor_id = static_cast<int>(vendor);
    block.algorithm_id = static_cast<int>(algorithm);
    blocks.push_back(block);
  }
  return blocks;
}

Result<std::vector<IsoCertificationBlock>> IsoByteReader::CertificationBlocks() {
  ABIS_ASSIGN_OR_RETURN(std::uint32_t count, U8("number of certification blocks"));
  std::vector<IsoCertificationBlock> blocks;
  for (std::uint32_t i = 0; i < count; ++i) {
    IsoCertificationBlock block;
    ABIS_ASSIGN_OR_RETURN(std::uint32_t authority, U16("certification authority id"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t scheme, U8("certification scheme id"));
    block.authority_id = static_cast<int>(authority);
    block.scheme_id = static_cast<int>(scheme);
    blocks.push_back(block);
  }
  return blocks;
}

}  // namespace internal
}  // namespace abis::interop
