// Sample images as a browser shows them: JPEG, PNG and WebP files go out as they are; other
// formats the strict decoder reads (PNM, TIFF, BMP) are decoded and sent as PNG.
// Thread-safety: no shared state.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "abis/core/status.h"

namespace abis::service {

struct DisplayImage {
  std::string content_type;  // "image/jpeg", "image/png", "image/webp"
  std::string body;
};

// kUnimplemented for formats that are no picture a browser can show (WSQ, JPEG 2000, minutiae
// records, DNA profiles); kInvalidArgument / kResourceExhausted from the decoder for a bad image.
Result<DisplayImage> ToDisplayImage(std::span<const std::uint8_t> bytes);

// An 8-bit PNG of `pixels` (rows top first; 1 grey, 3 RGB or 4 RGBA channels), zlib-compressed.
Result<std::string> EncodePng(int width, int height, int channels, std::span<const std::uint8_t> pixels);

}  // namespace abis::service
