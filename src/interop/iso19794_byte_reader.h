// Internal: a bounds-checked big-endian reader for ISO/IEC 19794 records. Every read checks the
// bytes left and fails with a message naming the field and the byte offset.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abis/core/status.h"
#include "abis/interop/iso19794_common.h"

namespace abis::interop::internal {

// The fields every representation of an ISO/IEC 19794 (2011) image record starts with.
struct IsoRepresentationHeader {
  IsoCaptureDateTime capture_time;
  int capture_device_technology = 0;
  int capture_device_vendor = 0;
  int capture_device_type = 0;
  std::vector<IsoQualityBlock> quality;
  std::vector<IsoCertificationBlock> certifications;
};

class IsoByteReader {
 public:
  // `label` prefixes every error, e.g. "ISO/IEC 19794-4 record".
  IsoByteReader(std::span<const std::uint8_t> bytes, std::string label) : bytes_(bytes), label_(std::move(label)) {}

  std::size_t position() const { return position_; }
  std::size_t remaining() const { return bytes_.size() - position_; }

  Result<std::uint32_t> U8(std::string_view field) { return Unsigned(field, 1); }
  Result<std::uint32_t> U16(std::string_view field) { return Unsigned(field, 2); }
  Result<std::uint32_t> U24(std::string_view field) { return Unsigned(field, 3); }
  Result<std::uint32_t> U32(std::string_view field) { return Unsigned(field, 4); }
  // The next `count` bytes. REQUIRES nothing: a short input is an error.
  Result<std::span<const std::uint8_t>> Bytes(std::string_view field, std::size_t count);
  Status Skip(std::string_view field, std::size_t count);
  Result<IsoCaptureDateTime> CaptureDateTime();
  // A count byte followed by that many 5-byte quality blocks.
  Result<std::vector<IsoQualityBlock>> QualityBlocks();
  // A count byte followed by that many 3-byte certification blocks.
  Result<std::vector<IsoCertificationBlock>> CertificationBlocks();

  // Reads the length of representation `index` (0-based) here, checks it (at least
  // `fixed_bytes`, within the bytes left), moves past the whole representation and returns a
  // reader over it positioned after its length field.
  Result<IsoByteReader> Representation(std::size_t index, std::size_t fixed_bytes);
  // Capture date and time, device technology, vendor and type, quality blocks, and the
  // certification blocks when the record's certification flag is set.
  Result<IsoRepresentationHeader> RepresentationHeader(bool with_certifications);

  Status Error(std::string_view field, const std::string& problem) const;

 private:
  Result<std::uint32_t> Unsigned(std::string_view field, int width);

  std::span<const std::uint8_t> bytes_;
  std::string label_;
  std::size_t position_ = 0;
};

// Checks the format identifier and version (`format_and_version`, 8 bytes, described in errors
// as `format_description`) and the record length shared by ISO/IEC 19794 (2011) records: at least
// `general_header_bytes` and not beyond the data; bytes after the record are reported in
// `deviations` when not null. Returns a reader over the record positioned after the 12-byte
// identifier, version and length.
Result<IsoByteReader> OpenIsoRecord(std::span<const std::uint8_t> bytes,
                                    std::span<const std::uint8_t> format_and_version, const std::string& label,
                                    const std::string& format_description, std::size_t general_header_bytes,
                                    std::vector<std::string>* deviations);

}  // namespace abis::interop::internal
