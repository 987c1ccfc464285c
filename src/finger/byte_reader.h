// Bounds-checked big- and little-endian readers and writers for the record codecs of this module.
// Internal to src/finger/. A reader never reads past its span: every read that would returns an
// error naming the field and the offset, so callers can reject truncated input cleanly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abis/core/status.h"

namespace abis::finger::internal {

class ByteReader {
 public:
  // `source_name` prefixes every error message.
  ByteReader(std::span<const std::uint8_t> bytes, std::string source_name)
      : bytes_(bytes), source_name_(std::move(source_name)) {}

  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return bytes_.size() - offset_; }
  const std::string& source_name() const { return source_name_; }

  Result<std::uint8_t> U8(std::string_view field) {
    ABIS_RETURN_IF_ERROR(Need(1, field));
    return bytes_[offset_++];
  }
  Result<std::uint16_t> U16BigEndian(std::string_view field) {
    ABIS_RETURN_IF_ERROR(Need(2, field));
    const auto value = static_cast<std::uint16_t>((bytes_[offset_] << 8) | bytes_[offset_ + 1]);
    offset_ += 2;
    return value;
  }
  Result<std::uint32_t> U32BigEndian(std::string_view field) {
    ABIS_RETURN_IF_ERROR(Need(4, field));
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) value = (value << 8) | bytes_[offset_ + i];
    offset_ += 4;
    return value;
  }
  Result<std::uint16_t> U16LittleEndian(std::string_view field) {
    ABIS_RETURN_IF_ERROR(Need(2, field));
    const auto value = static_cast<std::uint16_t>(bytes_[offset_] | (bytes_[offset_ + 1] << 8));
    offset_ += 2;
    return value;
  }
  Result<std::uint32_t> U32LittleEndian(std::string_view field) {
    ABIS_RETURN_IF_ERROR(Need(4, field));
    std::uint32_t value = 0;
    for (int i = 3; i >= 0; --i) value = (value << 8) | bytes_[offset_ + i];
    offset_ += 4;
    return value;
  }
  // Skips `count` bytes of `field`; fails without moving when fewer remain.
  Status Skip(std::size_t count, std::string_view field) {
    ABIS_RETURN_IF_ERROR(Need(count, field));
    offset_ += count;
    return Status::Ok();
  }
  Status Error(std::string_view what) const {
    return Status::InvalidArgument(source_name_ + ": " + std::string(what) + " (at byte " +
                                   std::to_string(offset_) + ")");
  }

 private:
  Status Need(std::size_t count, std::string_view field) const {
    if (count > remaining()) {
      return Status::InvalidArgument(source_name_ + ": truncated: " + std::string(field) + " needs " +
                                     std::to_string(count) + " bytes at byte " +
                                     std::to_string(offset_) + " but only " +
                                     std::to_string(remaining()) + " remain");
    }
    return Status::Ok();
  }

  std::span<const std::uint8_t> bytes_;
  std::string source_name_;
  std::size_t offset_ = 0;
};

class ByteWriter {
 public:
  void U8(std::uint8_t value) { bytes_.push_back(value); }
  void U16BigEndian(std::uint16_t value) {
    bytes_.push_back(static_cast<std::uint8_t>(value >> 8));
    bytes_.push_back(static_cast<std::uint8_t>(value));
  }
  void U32BigEndian(std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes_.push_back(static_cast<std::uint8_t>(value >> shift));
  }
  void U16LittleEndian(std::uint16_t value) {
    bytes_.push_back(static_cast<std::uint8_t>(value));
    bytes_.push_back(static_cast<std::uint8_t>(value >> 8));
  }
  void U32LittleEndian(std::uint32_t value) {
    for (int shift = 0; shift <= 24; shift += 8) bytes_.push_back(static_cast<std::uint8_t>(value >> shift));
  }
  void Bytes(std::string_view text) {
    for (const char c : text) bytes_.push_back(static_cast<std::uint8_t>(c));
  }
  // Overwrites 4 bytes at `offset` (big-endian), e.g. a record length known only at the end.
  void PatchU32BigEndian(std::size_t offset, std::uint32_t value) {
    for (int i = 0; i < 4; ++i) bytes_[offset + i] = static_cast<std::uint8_t>(value >> (24 - 8 * i));
  }
  void PatchU16BigEndian(std::size_t offset, std::uint16_t value) {
    bytes_[offset] = static_cast<std::uint8_t>(value >> 8);
    bytes_[offset + 1] = static_cast<std::uint8_t>(value);
  }
  std::size_t size() const { return bytes_.size(); }
  std::vector<std::uint8_t> Take() { return std::move(bytes_); }

 private:
  std::vector<std::uint8_t> bytes_;
};

}  // namespace abis::finger::internal
