// WSQ entropy decoding (IAFIS-IC-0110 Part 1, Annex on Huffman coding): canonical Huffman
// tables as in JPEG (ITU T.81 Annex C), the WSQ symbol alphabet (zero runs, small values,
// escapes) and the byte-stuffed bit stream of one data block.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "abis/core/status.h"

namespace abis::finger::wsq {

// One Huffman table: code lengths 1-16 (BITS) and the symbols (HUFFVAL) in code order.
class HuffmanTable {
 public:
  // Builds the canonical codes. Returns kInvalidArgument when the counts over-subscribe the
  // code space or do not match the number of values.
  static Result<HuffmanTable> Build(const std::array<std::uint8_t, 16>& counts,
                                    std::vector<std::uint8_t> values);

  // Decoding tables: for code length l (1-16), the smallest and largest code and the index of
  // the first value of that length; max_code[l] = -1 when no code has length l.
  std::array<std::int32_t, 17> min_code{};
  std::array<std::int32_t, 17> max_code{};
  std::array<std::int32_t, 17> first_value{};
  std::vector<std::uint8_t> values;
};

// Decodes one entropy-coded block starting at `offset` in `file` with `table`, appending the
// quantised coefficients to `coefficients` (never beyond `capacity` entries). Stops at the first
// marker other than a restart marker (RST0-7 reset the bit stream) and returns the offset of that
// marker. Errors: bad code, escape running into a marker, truncation, too many coefficients.
Result<std::size_t> DecodeBlock(std::span<const std::uint8_t> file, std::size_t offset,
                                const HuffmanTable& table, std::size_t capacity,
                                std::vector<std::int32_t>& coefficients);

}  // namespace abis::finger::wsq
