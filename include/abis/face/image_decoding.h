// Decoding of face images from untrusted bytes, on the shared strict decoder
// (abis/image_codec/image_decoder.h): the format is found from the content (never from a file name),
// the header's dimensions are checked before any pixel buffer is allocated, truncated or corrupt
// data is refused, EXIF orientation is applied, and every accepted depth/colour layout (8 or 16
// bit; grey, grey + alpha, RGB, RGBA) is normalised to 8-bit BGR.
// Thread-safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include <opencv2/core.hpp>

#include "abis/core/status.h"
#include "abis/image/image_size_limits.h"

namespace abis::face {

// Size limits checked against the header before decoding.
using ImageLimits = image::ImageSizeLimits;

// Faces: at most 16384 per side and 60 Mpixel; at least 16 per side (smaller cannot hold a face).
inline constexpr ImageLimits kFaceImageLimits{.min_side = 16, .max_side = 16384, .max_pixels = 60'000'000};

// Decodes `bytes` into an 8-bit, 3-channel BGR image with EXIF orientation applied; an alpha
// channel is composited over mid-grey. Returns kInvalidArgument (naming `source`) for an
// unsupported, truncated or corrupt image or one below limits.min_side, kResourceExhausted when
// the header claims a size beyond `limits`, kUnimplemented for JPEG 2000 and WSQ content.
Result<cv::Mat> DecodeFaceImage(std::span<const std::uint8_t> bytes, std::string_view source,
                                const ImageLimits& limits = kFaceImageLimits);

}  // namespace abis::face
