#include "bmp_header.h"

#include <string>

namespace abis::image::internal {
namespace {

constexpr double kMetresPerInch = 0.0254;
constexpr std::uint32_t kCoreHeaderBytes = 12;
constexpr std::uint32_t kInfoHeaderBytes = 40;
constexpr std::uint32_t kLargestInfoHeaderBytes = 124;  // BITMAPV5HEADER
constexpr std::size_t kInfoHeaderAt = 14;
constexpr std::size_t kMasksAt = kInfoHeaderAt + kInfoHeaderBytes;  // right after the 40-byte part

Status Malformed(std::string_view source, const std::string& what) {
  return Status::InvalidArgument(std::string(source) + ": malformed BMP header: " + what);
}

}  // namespace

Result<BmpHeader> ReadBmpHeader(const ByteReader& r, std::string_view source) {
  if (!r.Has(0, kInfoHeaderAt + 4)) return Malformed(source, "file header cut short");
  BmpHeader h;
  h.pixel_offset = r.Le32(10);
  h.info_size = r.Le32(kInfoHeaderAt);
  if (h.info_size == kCoreHeaderBytes) {
    if (!r.Has(kInfoHeaderAt, kCoreHeaderBytes)) return Malformed(source, "core header cut short");
    h.width = r.Le16(18);
    h.height = r.Le16(20);
    h.bits_per_pixel = static_cast<int>(r.Le16(24));
    h.palette_entry_bytes = 3;
  } else if (h.info_size >= kInfoHeaderBytes && h.info_size <= kLargestInfoHeaderBytes) {
    if (!r.Has(kInfoHeaderAt, h.info_size)) return Malformed(source, "info header cut short");
    h.width = static_cast<std::int32_t>(r.Le32(18));
    const std::int64_t height = static_cast<std::int32_t>(r.Le32(22));
    h.top_down = height < 0;
    h.height = height < 0 ? -height : height;
    h.bits_per_pixel = static_cast<int>(r.Le16(28));
    h.compression = r.Le32(30);
    const std::uint32_t pixels_per_metre = r.Le32(38);
    if (pixels_per_metre > 0) h.resolution_ppi = pixels_per_metre * kMetresPerInch;
    const std::uint32_t colours_used = r.Le32(46);
    if (h.bits_per_pixel >= 1 && h.bits_per_pixel <= 8) {
      const std::uint32_t most = 1u << h.bits_per_pixel;
      h.palette_entries = (colours_used == 0 || colours_used > most) ? most : colours_used;
    }
  } else {
    return Malformed(source, "unknown info header size " + std::to_string(h.info_size));
  }
  if (h.width <= 0) return Malformed(source, "width " + std::to_string(h.width));
  if (h.height == 0) return Malformed(source, "height 0");
  if (h.info_size == kCoreHeaderBytes && h.bits_per_pixel <= 8) h.palette_entries = 1u << h.bits_per_pixel;

  std::uint64_t after_header = kInfoHeaderAt + std::uint64_t{h.info_size};
  if (h.compression == kBmpBitfields) {
    if (!r.Has(kMasksAt, 12)) return Malformed(source, "bit masks cut short");
    h.red_mask = r.Le32(kMasksAt);
    h.green_mask = r.Le32(kMasksAt + 4);
    h.blue_mask = r.Le32(kMasksAt + 8);
    if (h.info_size >= kInfoHeaderBytes + 16 && r.Has(kMasksAt + 12, 4)) h.alpha_mask = r.Le32(kMasksAt + 12);
    if (h.info_size == kInfoHeaderBytes) after_header += 12;  // masks follow the 40-byte header
  } else if (h.bits_per_pixel == 16) {
    h.red_mask = 0x7C00;
    h.green_mask = 0x03E0;
    h.blue_mask = 0x001F;
  } else if (h.bits_per_pixel == 32) {
    h.red_mask = 0x00FF0000;
    h.green_mask = 0x0000FF00;
    h.blue_mask = 0x000000FF;
  }
  h.palette_offset = after_header;
  // Writers that leave biClrUsed at 0 sometimes store fewer colours than 2^bits: the palette
  // ends where the pixel rows begin.
  if (h.palette_entries > 0 && h.pixel_offset > h.palette_offset) {
    const std::uint64_t room = (h.pixel_offset - h.palette_offset) / static_cast<std::uint64_t>(h.palette_entry_bytes);
    if (room < h.palette_entries) h.palette_entries = static_cast<std::uint32_t>(room);
  }
  return h;
}

}  // namespace abis::image::internal
