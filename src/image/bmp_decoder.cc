// Uncompressed BMP (and BI_BITFIELDS), decoded here: 1/4/8-bit palettes, 16/24/32-bit pixels,
// bottom-up or top-down rows. The pixel rows must all be in the file and palette indices inside
// the palette. RLE compression is refused.
#include <array>
#include <bit>
#include <string>
#include <vector>

#include "bmp_header.h"
#include "format_decoders.h"

namespace abis::image::internal {
namespace {

constexpr ImageFormat kFormat = ImageFormat::kBmp;

// One channel of a 16/32-bit pixel as selected by its bit mask, scaled to 0-255.
struct MaskedChannel {
  std::uint32_t mask = 0;
  int shift = 0;
  std::uint32_t largest = 0;  // the mask's value range, mask >> shift

  explicit MaskedChannel(std::uint32_t m) : mask(m) {
    if (mask == 0) return;
    shift = std::countr_zero(mask);
    largest = mask >> shift;
  }
  std::uint8_t Of(std::uint32_t pixel) const {
    if (largest == 0) return 0;
    return static_cast<std::uint8_t>(std::uint64_t{(pixel & mask) >> shift} * 255 / largest);
  }
};

bool IsContiguous(std::uint32_t mask) {
  if (mask == 0) return true;
  const std::uint32_t shifted = mask >> std::countr_zero(mask);
  return (shifted & (shifted + 1)) == 0;
}

}  // namespace

Status DecodeBmp(std::span<const std::uint8_t> bytes, const ImageHeader& header, std::string_view source,
                 DecodedImage* out) {
  const ByteReader r(bytes);
  ABIS_ASSIGN_OR_RETURN(const BmpHeader bmp, ReadBmpHeader(r, source));
  const std::string where(source);
  if (bmp.width != header.width || bmp.height != header.height) return SizeMismatch(source, header, bmp.width, bmp.height);
  if (bmp.compression == kBmpRle8 || bmp.compression == kBmpRle4) {
    return Status::Unimplemented(where + ": RLE-compressed BMP is not supported (store it uncompressed or as PNG)");
  }
  if (bmp.compression != 0 && bmp.compression != kBmpBitfields) {
    return Status::Unimplemented(where + ": BMP compression " + std::to_string(bmp.compression) + " is not supported");
  }
  const int bits = bmp.bits_per_pixel;
  const bool palette_image = bits == 1 || bits == 4 || bits == 8;
  if (!palette_image && bits != 16 && bits != 24 && bits != 32) {
    return Status::InvalidArgument(where + ": BMP with " + std::to_string(bits) + " bits per pixel");
  }
  if (bmp.compression == kBmpBitfields && bits != 16 && bits != 32) {
    return Status::InvalidArgument(where + ": BMP bit masks with " + std::to_string(bits) + " bits per pixel");
  }
  for (const std::uint32_t mask : {bmp.red_mask, bmp.green_mask, bmp.blue_mask, bmp.alpha_mask}) {
    if (!IsContiguous(mask)) return Status::InvalidArgument(where + ": BMP bit mask is not contiguous");
  }

  const std::size_t width = static_cast<std::size_t>(bmp.width);
  const std::size_t height = static_cast<std::size_t>(bmp.height);
  const std::uint64_t stride = (static_cast<std::uint64_t>(width) * bits + 31) / 32 * 4;
  if (!r.Has(bmp.pixel_offset, stride * height)) {
    return CorruptData(source, kFormat,
                       "the pixel rows need " + std::to_string(stride * height) + " bytes from offset " +
                           std::to_string(bmp.pixel_offset) + ", the file has " + std::to_string(bytes.size()));
  }

  // Palette entries are blue, green, red[, reserved].
  std::vector<std::array<std::uint8_t, 3>> palette;
  bool grey_palette = true;
  if (palette_image) {
    const std::uint64_t palette_bytes = std::uint64_t{bmp.palette_entries} * bmp.palette_entry_bytes;
    if (!r.Has(bmp.palette_offset, palette_bytes)) return CorruptData(source, kFormat, "palette cut short");
    for (std::uint32_t i = 0; i < bmp.palette_entries; ++i) {
      const std::size_t at = bmp.palette_offset + std::size_t{i} * bmp.palette_entry_bytes;
      palette.push_back({r.U8(at + 2), r.U8(at + 1), r.U8(at)});
      grey_palette = grey_palette && palette.back()[0] == palette.back()[1] && palette.back()[1] == palette.back()[2];
    }
  }
  const bool alpha = (bits == 16 || bits == 32) && bmp.alpha_mask != 0;
  out->width = static_cast<int>(width);
  out->height = static_cast<int>(height);
  out->channels = palette_image && grey_palette ? 1 : (alpha ? 4 : 3);
  out->pixels.resize(width * height * static_cast<std::size_t>(out->channels));
  const MaskedChannel red(bmp.red_mask), green(bmp.green_mask), blue(bmp.blue_mask), alpha_channel(bmp.alpha_mask);

  for (std::size_t y = 0; y < height; ++y) {
    const std::size_t file_row = bmp.top_down ? y : height - 1 - y;
    const std::uint8_t* row = bytes.data() + bmp.pixel_offset + file_row * stride;
    std::uint8_t* target = out->pixels.data() + y * width * static_cast<std::size_t>(out->channels);
    for (std::size_t x = 0; x < width; ++x) {
      if (palette_image) {
        const std::size_t bit = x * static_cast<std::size_t>(bits);
        const unsigned shift = 8 - static_cast<unsigned>(bits) - static_cast<unsigned>(bit % 8);
        const std::uint32_t index = (row[bit / 8] >> shift) & ((1u << bits) - 1);
        if (index >= palette.size()) {
          return CorruptData(source, kFormat,
                             "palette index " + std::to_string(index) + " beyond the " +
                                 std::to_string(palette.size()) + " colours of the palette");
        }
        if (out->channels == 1) {
          *target++ = palette[index][0];
        } else {
          for (const std::uint8_t sample : palette[index]) *target++ = sample;
        }
      } else if (bits == 24) {
        const std::uint8_t* pixel = row + x * 3;
        *target++ = pixel[2];
        *target++ = pixel[1];
        *target++ = pixel[0];
      } else {
        const std::uint8_t* p = row + x * static_cast<std::size_t>(bits / 8);
        const std::uint32_t pixel = bits == 16 ? (p[0] | (p[1] << 8))
                                               : (p[0] | (p[1] << 8) | (p[2] << 16) | (std::uint32_t{p[3]} << 24));
        *target++ = red.Of(pixel);
        *target++ = green.Of(pixel);
        *target++ = blue.Of(pixel);
        if (alpha) *target++ = alpha_channel.Of(pixel);
      }
    }
  }
  return Status::Ok();
}

}  // namespace abis::image::internal
