// Fingerprint images: decoding any accepted input (WSQ, TIFF, PNG, BMP, PGM, JPEG) to 8-bit grey.
// Implemented in src/finger_extract/.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "abis/core/status.h"

namespace abis::finger {

struct GrayImage {
  int width = 0;
  int height = 0;
  double resolution_ppi = 0;        // 0 when the file does not say
  std::vector<std::uint8_t> pixels; // row-major, width*height bytes
};

// The resolution every finger algorithm works at; other resolutions are resampled to it.
inline constexpr double kStandardResolutionPpi = 500.0;
// Accepted image sides in pixels (a smaller image cannot hold a usable fingerprint area).
inline constexpr int kMinFingerprintSide = 64;
// The largest real captures are 4-4-2 slaps at 1000 ppi (about 3200 x 3000); the pixel cap keeps
// one request's decoding and extraction under about 0.8 s and 0.5 GB (an 8192 x 8192 image cost
// 3.3 s and 1.8 GB per request).
inline constexpr int kMaxFingerprintSide = 8192;
inline constexpr std::int64_t kMaxFingerprintPixels = std::int64_t{16} << 20;  // width * height
// A resolution outside this range in a file is treated as "not given": tools often write
// screen defaults such as 72 or 96 ppi that were never a scan resolution.
inline constexpr double kMinPlausiblePpi = 250.0;
inline constexpr double kMaxPlausiblePpi = 2000.0;

// Decodes by content (never by file name): WSQ (SOI marker 0xFFA0) with our own decoder, other
// formats with the shared strict decoder (abis/image_codec/image_decoder.h). Colour is converted to grey.
// The header's size is checked before anything is decoded: kResourceExhausted above
// kMaxFingerprintSide per side or kMaxFingerprintPixels, kInvalidArgument below
// kMinFingerprintSide. Truncated or corrupt data is kInvalidArgument; nothing is printed. Errors
// name `source_name` and what was wrong.
// Accepted: WSQ, PNG, BMP, TIFF, PGM/PPM, JPEG, WebP. The resolution is read from the WSQ NISTCOM
// comment, TIFF XResolution/ResolutionUnit, PNG pHYs or BMP header; when it is known and
// differs from 500 ppi the image is resampled to 500 ppi (resolution_ppi is then 500).
Result<GrayImage> DecodeFingerprintImage(std::span<const std::uint8_t> bytes,
                                         const std::string& source_name);

// DecodeFingerprintImage without the resampling: the pixels as stored, resolution_ppi as the file
// states it (0 when absent or implausible). For callers that know the resolution better than the
// file (an ANSI/NIST-ITL record's own scale; WSQ files that state "PPI 255").
Result<GrayImage> DecodeFingerprintImageAsStored(std::span<const std::uint8_t> bytes, const std::string& source_name);

// Returns `image` resampled to kStandardResolutionPpi when its resolution_ppi is known (> 0)
// and differs by more than 1%; otherwise a copy. REQUIRES: image.pixels.size() == width*height.
GrayImage ResampleToStandardResolution(const GrayImage& image);

// Reads an image file and decodes it with DecodeFingerprintImage. kIoError when unreadable;
// files above 256 MiB are refused before reading.
Result<GrayImage> ReadFingerprintImage(const std::string& path);

// ReadFingerprintImage without the resampling (DecodeFingerprintImageAsStored).
Result<GrayImage> ReadFingerprintImageAsStored(const std::string& path);

// `image` as the bytes of an 8-bit grey PNG (no resolution stated: read back as 500 ppi).
// kInvalidArgument when the image is empty or inconsistent.
Result<std::vector<std::uint8_t>> EncodePng(const GrayImage& image);

// Writes `image` as 8-bit grey PNG. kIoError when the file cannot be written.
Status WritePng(const GrayImage& image, const std::string& path);

}  // namespace abis::finger
