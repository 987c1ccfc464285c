// Internal: a bounds-checked big-endian reader for ISO/IEC 19794 records. Every read checks the
// bytes left and fails with a message naming the field and the byte offset.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "abis/core/status.h"
#include "abis/interop/iso19794_common.h"

namespace abis::interop::internal {

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

  Status Error(std::string_view field, const std::string& problem) const;

 private:
  Result<std::uint32_t> Unsigned(std::string_view field, int width);

  std::span<const std::uint8_t> bytes_;
  std::string label_;
  std::size_t position_ = 0;
};

}  // namespace abis::interop::internal
