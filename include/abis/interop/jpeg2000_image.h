// JPEG 2000 decoding (JP2 file format or raw J2K codestream) with OpenJPEG, to 8-bit pixels; and the
// plain grey image used to hand finger images to the modality engines.
// Thread-safety: the functions share no state and may run concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "abis/core/status.h"

namespace abis::interop {

// 8 bits per sample, rows top to bottom, samples of a pixel interleaved (grey: 1, RGB: 3).
struct DecodedImage {
  int width = 0;
  int height = 0;
  int channels = 0;  // 1 grey, 3 RGB (sYCC is converted), 4 RGBA
  std::vector<std::uint8_t> pixels;  // width * height * channels bytes
};

// An 8-bit grey image with its resolution, what finger feature extraction needs.
struct GreyImage {
  int width = 0;
  int height = 0;
  int pixels_per_inch = 0;  // 0 when unknown
  std::vector<std::uint8_t> pixels;  // width * height bytes, row-major, top row first
};

// Largest image DecodeJpeg2000 accepts, checked on the codestream's SIZ (abis/image/image_header.h,
// image_size_limits.h) before OpenJPEG sees the data.
inline constexpr int kMaxJpeg2000Dimension = 16384;
inline constexpr std::size_t kMaxJpeg2000Pixels = std::size_t{64} << 20;
// Decompression bombs: at most this many pixels per byte of codestream beyond a free first
// mebipixel (real fingerprint and face images compress far less), and at most this many tiles.
inline constexpr std::uint64_t kMaxJpeg2000PixelsPerByte = 1000;
inline constexpr std::uint64_t kJpeg2000FreePixels = std::uint64_t{1} << 20;
inline constexpr std::uint64_t kMaxJpeg2000Tiles = 4096;

// True when `bytes` starts with the JP2 signature box or a J2K SOC+SIZ marker pair.
bool LooksLikeJpeg2000(std::span<const std::uint8_t> bytes);

// Decodes a whole JP2 file or J2K codestream at full resolution, in OpenJPEG's strict mode (a
// truncated codestream is an error, not a partial image). Samples deeper than 8 bits are scaled
// down; signed samples are shifted to unsigned; subsampled components are upsampled.
// Fails with kInvalidArgument (with OpenJPEG's message) on anything that is not a decodable
// JPEG 2000 image of 1-4 components, and with kResourceExhausted above the size limits.
Result<DecodedImage> DecodeJpeg2000(std::span<const std::uint8_t> bytes);

// Converts to grey: 1 channel is copied, 3 or 4 channels use ITU-R BT.601 luma (alpha ignored).
GreyImage ToGrey(const DecodedImage& image, int pixels_per_inch);

// The image as a binary PGM (P5) file, which the io module decodes (format hint "pgm").
std::vector<std::uint8_t> EncodePgm(const GreyImage& image);

}  // namespace abis::interop
