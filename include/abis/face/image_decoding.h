// Decoding of face images from untrusted bytes: the format is found from the content (never
// from a file name), the header's dimensions are checked before any pixel buffer is allocated,
// EXIF orientation is applied, and every accepted depth/colour layout (8 or 16 bit; grey, grey +
// alpha, RGB, RGBA) is normalised to 8-bit BGR.
// Thread-safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include <opencv2/core.hpp>

#include "abis/core/status.h"

namespace abis::face {

enum class ImageFormat { kJpeg, kPng, kWebp, kBmp, kTiff, kPnm };

// "jpeg", "png", "webp", "bmp", "tiff", "pnm".
std::string_view ImageFormatName(ImageFormat format);

// What the header says, read without decoding pixels.
struct ImageHeader {
  ImageFormat format = ImageFormat::kJpeg;
  std::int64_t width = 0;
  std::int64_t height = 0;
  int exif_orientation = 1;  // EXIF tag 0x0112, 1..8; 1 when absent or not applicable
};

// Identifies the format by its signature and reads the dimensions (and, for JPEG, the EXIF
// orientation). Returns kInvalidArgument naming `source` when the bytes are no supported image
// or the header is truncated or malformed.
Result<ImageHeader> ReadImageHeader(std::span<const std::uint8_t> bytes, std::string_view source);

// Size limits checked against the header before decoding.
struct ImageLimits {
  std::int64_t max_side = 16384;          // pixels, either dimension
  std::int64_t max_pixels = 60'000'000;   // width * height
  std::int64_t min_side = 16;             // smaller images cannot hold a usable face
};

// Decodes `bytes` into an 8-bit, 3-channel BGR image with EXIF orientation applied; an alpha
// channel is composited over mid-grey. Returns kInvalidArgument (naming `source`) for an
// unsupported or corrupt image, kResourceExhausted when the header claims a size beyond `limits`.
Result<cv::Mat> DecodeFaceImage(std::span<const std::uint8_t> bytes, std::string_view source,
                                const ImageLimits& limits = {});

}  // namespace abis::face
