// Reads width and height from the header of an encoded image (internal to abis_interop), so a
// bundle written without dimensions still gets correct HLL/VLL fields.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace abis::interop::internal {

struct ImageDimensions {
  int width = 0;
  int height = 0;
};

// WSQ (SOI FFA0, frame header FFA2), JPEG (SOI FFD8, SOF0-SOF15 except DHT/JPG/DAC) and PNG
// (IHDR). Returns nullopt for other formats or a header that ends early; never reads past
// `bytes`.
std::optional<ImageDimensions> ProbeImageDimensions(std::span<const std::uint8_t> bytes);

}  // namespace abis::interop::internal
