// Strict decoding of untrusted encoded images to 8-bit pixels: the one decoder behind the face
// and fingerprint paths. The header is read (image_header.h) and its size checked against the
// caller's limits (image_size_limits.h) before any pixel buffer is allocated; a truncated or
// corrupt image is refused, never patched up; the libraries' diagnostics (libjpeg, libpng,
// libtiff, libwebp) never reach stderr: they become the Status message.
// Thread-safety: no shared state; calls may run concurrently.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "abis/core/status.h"
#include "abis/image/image_header.h"
#include "abis/image/image_size_limits.h"

namespace abis::image {

enum class PixelLayout {
  kGrey,    // 1 channel; colour is converted with ITU-R BT.601 luma, alpha dropped
  kStored,  // as the file holds it: 1 (grey), 3 (RGB) or 4 (RGBA; grey + alpha becomes RGBA)
};

struct DecodedImage {
  ImageHeader header;  // what the header said (format, stored size, resolution, EXIF orientation)
  int width = 0;       // of the upright image: swapped with the header's for EXIF orientations 5-8
  int height = 0;
  int channels = 0;    // 1, 3 or 4; see PixelLayout
  std::vector<std::uint8_t> pixels;  // width * height * channels bytes; rows top first, samples interleaved
};

// Decodes JPEG, PNG, TIFF (its first image), BMP (uncompressed), PNM (P1-P6) and WebP, found by
// content. Samples are scaled to 8 bit (16-bit PNG/PNM/TIFF, PNM maximum values other than
// 255), palettes and bit depths below 8 expanded, and the JPEG EXIF orientation applied.
// Returns kResourceExhausted (nothing decoded) when the header claims a size beyond `limits`;
// kInvalidArgument naming `source` for a size below the minimum, an unrecognised or malformed
// header, or truncated or corrupt image data (with the decoder's reason); kUnimplemented for JPEG
// 2000 and WSQ (decoded by their own readers) and for layouts no decoder here handles (RLE BMP,
// animated WebP).
Result<DecodedImage> DecodeImage(std::span<const std::uint8_t> bytes, std::string_view source,
                                 const ImageSizeLimits& limits, PixelLayout layout);

}  // namespace abis::image
