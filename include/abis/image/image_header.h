// The header of an encoded image, read without decoding a pixel: the format (found from the
// content, never from a file name), the dimensions and, where the header gives them, the
// resolution and the EXIF orientation. This is the one header prober of abis: every decoder of
// outside input (faces, fingerprints, interchange records) reads it first, so that the size is
// checked (image_size_limits.h) before any decoder allocates.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "abis/core/status.h"

namespace abis::image {

enum class ImageFormat { kJpeg, kPng, kTiff, kBmp, kPnm, kWebp, kJpeg2000, kWsq };

// "JPEG", "PNG", "TIFF", "BMP", "PNM", "WebP", "JPEG 2000", "WSQ".
std::string_view ImageFormatName(ImageFormat format);

struct ImageHeader {
  ImageFormat format = ImageFormat::kJpeg;
  std::int64_t width = 0;      // pixels, > 0 in every header ReadImageHeader returns
  std::int64_t height = 0;     // pixels, > 0
  double resolution_ppi = 0;   // horizontal, from PNG pHYs, TIFF XResolution or BMP; 0 when not given
  int exif_orientation = 1;    // JPEG EXIF tag 0x0112, 1..8; 1 when absent or not applicable
};

// Identifies the format by its signature and reads its header: JPEG (markers up to the frame
// header SOFn, EXIF APP1), PNG (IHDR, pHYs), TIFF (first IFD), BMP, PNM (P1-P6), WebP (VP8, VP8L,
// VP8X), JPEG 2000 (JP2 file: the SIZ of its codestream box; or a raw J2K codestream), WSQ
// (frame header). Never reads past `bytes`.
// Returns kInvalidArgument naming `source` for an unrecognised signature, or a header that is
// cut short, malformed or gives a zero width or height.
Result<ImageHeader> ReadImageHeader(std::span<const std::uint8_t> bytes, std::string_view source);

}  // namespace abis::image
