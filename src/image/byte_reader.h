// Bounds-checked reads of big- and little-endian integers from a byte span (internal to
// abis_image). Callers ask Has() before reading; the readers themselves do not check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace abis::image::internal {

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::size_t size() const { return bytes_.size(); }
  std::span<const std::uint8_t> bytes() const { return bytes_; }

  // True when [offset, offset + count) lies inside the bytes; never overflows.
  bool Has(std::uint64_t offset, std::uint64_t count) const {
    return offset <= bytes_.size() && count <= bytes_.size() - offset;
  }
  // True when the bytes at `offset` are `magic`.
  bool Matches(std::uint64_t offset, std::string_view magic) const {
    if (!Has(offset, magic.size())) return false;
    for (std::size_t i = 0; i < magic.size(); ++i) {
      if (bytes_[offset + i] != static_cast<unsigned char>(magic[i])) return false;
    }
    return true;
  }

  // REQUIRES for each: Has(offset, width of the value).
  std::uint8_t U8(std::size_t o) const { return bytes_[o]; }
  std::uint32_t Be16(std::size_t o) const { return (std::uint32_t{bytes_[o]} << 8) | bytes_[o + 1]; }
  std::uint32_t Le16(std::size_t o) const { return bytes_[o] | (std::uint32_t{bytes_[o + 1]} << 8); }
  std::uint32_t Be32(std::size_t o) const { return (Be16(o) << 16) | Be16(o + 2); }
  std::uint32_t Le32(std::size_t o) const { return Le16(o) | (Le16(o + 2) << 16); }
  std::uint64_t Be64(std::size_t o) const { return (std::uint64_t{Be32(o)} << 32) | Be32(o + 4); }
  std::uint32_t U16(std::size_t o, bool little) const { return little ? Le16(o) : Be16(o); }
  std::uint32_t U32(std::size_t o, bool little) const { return little ? Le32(o) : Be32(o); }

  // REQUIRES: Has(offset, count).
  std::span<const std::uint8_t> Sub(std::size_t offset, std::size_t count) const {
    return bytes_.subspan(offset, count);
  }

 private:
  std::span<const std::uint8_t> bytes_;
};

}  // namespace abis::image::internal
