// Reads image dimensions and resolution from a file header without decoding pixels, so that
// absurd sizes are refused before any decoder allocates memory.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "abis/core/status.h"

namespace abis::finger {

enum class ImageFormat { kPng, kBmp, kTiff, kPnm, kJpeg };

struct ImageHeader {
  ImageFormat format = ImageFormat::kPng;
  int width = 0;         // 0 when the header does not say (JPEG: found by the decoder)
  int height = 0;
  double resolution_ppi = 0;  // 0 when not given
};

// Recognises the format by its signature and reads what the header gives. kInvalidArgument for
// an unknown signature or a header cut short.
Result<ImageHeader> ProbeImageHeader(std::span<const std::uint8_t> bytes, const std::string& source_name);

}  // namespace abis::finger
