#include "image_dimensions.h"

#include "an2k_text.h"

namespace abis::interop::internal {

namespace {

constexpr std::uint8_t kMarkerPrefix = 0xFF;

// WSQ and JPEG share the marker syntax: FF xx, then a 2-byte segment length for most markers.
// `frame_marker` tells whether a marker is a frame header and where Y/X sit in it.
template <typename IsFrame>
std::optional<ImageDimensions> ScanMarkers(std::span<const std::uint8_t> bytes, IsFrame is_frame,
                                           std::size_t height_offset) {
  std::size_t pos = 2;  // after SOI
  while (pos + 4 <= bytes.size()) {
    if (bytes[pos] != kMarkerPrefix) return std::nullopt;
    const std::uint8_t marker = bytes[pos + 1];
    if (marker == kMarkerPrefix) {  // fill byte
      ++pos;
      continue;
    }
    const std::size_t length = ReadBigEndian(bytes, pos + 2, 2);
    if (is_frame(marker)) {
      if (pos + 2 + height_offset + 4 > bytes.size()) return std::nullopt;
      ImageDimensions dimensions;
      dimensions.height = static_cast<int>(ReadBigEndian(bytes, pos + 2 + height_offset, 2));
      dimensions.width = static_cast<int>(ReadBigEndian(bytes, pos + 2 + height_offset + 2, 2));
      if (dimensions.width == 0 || dimensions.height == 0) return std::nullopt;
      return dimensions;
    }
    if (length < 2) return std::nullopt;
    pos += 2 + length;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ImageDimensions> ProbeImageDimensions(std::span<const std::uint8_t> bytes) {
  if (bytes.size() >= 4 && bytes[0] == 0xFF && bytes[1] == 0xA0) {
    // WSQ frame header FFA2: Lf(2) A(1) B(1) Y(2) X(2) ...
    return ScanMarkers(bytes, [](std::uint8_t marker) { return marker == 0xA2; }, 4);
  }
  if (bytes.size() >= 4 && bytes[0] == 0xFF && bytes[1] == 0xD8) {
    // JPEG SOFn: Lf(2) P(1) Y(2) X(2); C4 (DHT), C8 (JPG) and CC (DAC) are not frame headers.
    return ScanMarkers(
        bytes,
        [](std::uint8_t marker) {
          return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        },
        3);
  }
  static constexpr std::uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  constexpr std::size_t kPngHeaderEnd = 24;  // signature(8) length(4) "IHDR"(4) width(4) height(4)
  if (bytes.size() >= kPngHeaderEnd && std::equal(std::begin(kPngSignature), std::end(kPngSignature), bytes.begin())) {
    ImageDimensions dimensions;
    dimensions.width = static_cast<int>(ReadBigEndian(bytes, 16, 4) & 0x7FFFFFFF);
    dimensions.height = static_cast<int>(ReadBigEndian(bytes, 20, 4) & 0x7FFFFFFF);
    if (dimensions.width == 0 || dimensions.height == 0) return std::nullopt;
    return dimensions;
  }
  return std::nullopt;
}

}  // namespace abis::interop::internal
