// The size check every image decoder of outside input applies to the header (image_header.h)
// before decoding: a few hundred bytes can claim 30000x30000 pixels (a decompression bomb).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "abis/core/status.h"
#include "abis/image/image_header.h"

namespace abis::image {

// Accepted dimensions, in pixels. Each path sets its own (faces: at least 16 per side; fingers:
// 64-16384 per side); the defaults are the largest any abis decoder accepts.
struct ImageSizeLimits {
  std::int64_t min_side = 1;
  std::int64_t max_side = 16384;
  std::int64_t max_pixels = std::int64_t{64} << 20;  // width * height
};

// Returns OK when `header`'s width and height are within `limits`; kResourceExhausted when a
// side exceeds max_side or width * height exceeds max_pixels (the message gives the claimed size,
// the limits and "refused before decoding"); kInvalidArgument when a side is below min_side.
// Messages start with `source`. REQUIRES: limits.max_side <= 2^31 (so width * height cannot overflow).
Status CheckImageSize(const ImageHeader& header, const ImageSizeLimits& limits, std::string_view source);

}  // namespace abis::image
