// The layout of a Windows/OS2 bitmap as its headers describe it (internal to abis_image): read
// once here for both the header prober and the decoder.
#pragma once

#include <cstdint>
#include <string_view>

#include "abis/core/status.h"
#include "byte_reader.h"

namespace abis::image::internal {

// Compression field values (biCompression) the decoder distinguishes.
inline constexpr std::uint32_t kBmpUncompressed = 0;
inline constexpr std::uint32_t kBmpRle8 = 1;
inline constexpr std::uint32_t kBmpRle4 = 2;
inline constexpr std::uint32_t kBmpBitfields = 3;

struct BmpHeader {
  std::uint32_t pixel_offset = 0;    // bfOffBits: first byte of the pixel rows
  std::uint32_t info_size = 0;       // 12 (OS/2 core header) or >= 40
  std::int64_t width = 0;
  std::int64_t height = 0;           // always positive; see top_down
  bool top_down = false;             // true when the header's height was negative
  int bits_per_pixel = 0;
  std::uint32_t compression = kBmpUncompressed;
  std::uint32_t red_mask = 0, green_mask = 0, blue_mask = 0, alpha_mask = 0;  // 16/32 bit only
  std::uint64_t palette_offset = 0;
  std::uint32_t palette_entries = 0;  // colours in the palette (bits_per_pixel <= 8), else 0
  int palette_entry_bytes = 4;        // 3 for the OS/2 core header
  double resolution_ppi = 0;          // from biXPelsPerMeter; 0 when absent
};

// REQUIRES: the bytes start with "BM". Reads the file and info headers, the bit masks (from the
// header, or the defaults of 16 and 32 bit) and where the palette lies. Returns kInvalidArgument
// naming `source` when a header is cut short or a field is impossible; the decoder judges the
// compression and bit depth.
Result<BmpHeader> ReadBmpHeader(const ByteReader& r, std::string_view source);

}  // namespace abis::image::internal
