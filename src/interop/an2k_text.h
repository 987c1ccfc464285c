// Small helpers shared by the ANSI/NIST-ITL parsers and views (internal to abis_interop).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace abis::interop::internal {

// Parses an unsigned decimal of 1 to `max_digits` ASCII digits (no sign, no spaces).
// Returns nullopt for anything else, so callers can report the offending text.
std::optional<std::uint64_t> ParseUnsignedDecimal(std::string_view text, std::size_t max_digits = 10);

// Reads a big-endian unsigned integer of 1-4 bytes. REQUIRES: bytes.size() >= offset + width.
std::uint32_t ReadBigEndian(std::span<const std::uint8_t> bytes, std::size_t offset, std::size_t width);
// Appends `value` as `width` big-endian bytes.
void AppendBigEndian(std::string& out, std::uint32_t value, std::size_t width);

// "Type-14" style label used in every error message.
std::string RecordLabel(std::size_t index, int type);

// Printable rendering of possibly binary text for error messages (non-printables as \xNN,
// cut after `limit` characters).
std::string Printable(std::string_view text, std::size_t limit = 24);

}  // namespace abis::interop::internal
