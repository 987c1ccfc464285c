// The header of a Netpbm image, P1-P6 (internal to abis_image): read once here for both the
// header prober and the decoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "abis/core/status.h"
#include "byte_reader.h"

namespace abis::image::internal {

struct PnmHeader {
  char kind = '5';              // the digit after 'P': 1/4 bitmap, 2/5 grey, 3/6 RGB; 1-3 ASCII, 4-6 binary
  std::int64_t width = 0;
  std::int64_t height = 0;
  std::uint32_t max_value = 1;  // 1-65535; 1 for bitmaps
  std::size_t data_offset = 0;  // first byte of the samples (binary: after the one whitespace byte)
};

// True for ASCII kinds (P1-P3).
inline bool IsAsciiPnm(const PnmHeader& header) { return header.kind <= '3'; }

// The whitespace of Netpbm headers: space, tab, CR, LF, VT, FF.
inline bool IsPnmSpace(std::uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Skips whitespace and '#' comments from *pos, then reads an unsigned decimal number of at most
// 10 digits. Returns false (leaving *value 0) when no digit follows.
bool ReadPnmNumber(const ByteReader& r, std::size_t* pos, std::uint64_t* value);

// REQUIRES: the bytes start with 'P' and a digit 1-6. Returns kInvalidArgument naming `source`
// when a number is missing, zero or out of range (maximum value 1-65535).
Result<PnmHeader> ReadPnmHeader(const ByteReader& r, std::string_view source);

}  // namespace abis::image::internal
