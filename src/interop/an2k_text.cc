#include "an2k_text.h"

#include <cstdio>

namespace abis::interop::internal {

std::optional<std::uint64_t> ParseUnsignedDecimal(std::string_view text, std::size_t max_digits) {
  if (text.empty() || text.size() > max_digits || max_digits > 18) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

std::uint32_t ReadBigEndian(std::span<const std::uint8_t> bytes, std::size_t offset, std::size_t width) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < width; ++i) value = (value << 8) | bytes[offset + i];
  return value;
}

void AppendBigEndian(std::string& out, std::uint32_t value, std::size_t width) {
  for (std::size_t i = width; i > 0; --i) {
    out += static_cast<char>((value >> (8 * (i - 1))) & 0xFFu);
  }
}

std::string RecordLabel(std::size_t index, int type) {
  return "record " + std::to_string(index + 1) + " (Type-" + std::to_string(type) + ")";
}

std::string Printable(std::string_view text, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\x%02X", c);
      out += buffer;
    }
  }
  if (text.size() > limit) out += "...";
  return out;
}

}  // namespace abis::interop::internal
