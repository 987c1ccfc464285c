// FBI Wavelet Scalar Quantization (WSQ) fingerprint images: a decoder written from the FBI
// specification IAFIS-IC-0110 (V3), "WSQ Gray-scale Fingerprint Image Compression
// Specification" (1997). docs/WSQ.md describes the format and the decoder's checks.
// Thread-safety: the functions are pure and may be called concurrently.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "abis/core/status.h"
#include "abis/finger_extract/image.h"

namespace abis::finger {

// Largest image the decoder accepts, checked against the frame header before any allocation.
inline constexpr int kWsqMaxSide = 16384;
inline constexpr std::int64_t kWsqMaxPixels = 64LL * 1024 * 1024;

// True when `bytes` starts with the WSQ start-of-image marker 0xFFA0.
bool LooksLikeWsq(std::span<const std::uint8_t> bytes);

// Decodes a complete WSQ file (SOI ... EOI) to 8-bit grey. resolution_ppi is taken from the
// NISTCOM comment ("PPI <n>") when present, else 0. Every structural error (unknown or
// misplaced marker, segment running past the end, bad Huffman code, coefficient count not
// matching the frame, unsupported filter) is kInvalidArgument naming `source_name` and the byte
// offset; the decoder never reads out of bounds and never allocates more than the header's
// (bounded) image size.
Result<GrayImage> DecodeWsq(std::span<const std::uint8_t> bytes, const std::string& source_name);

}  // namespace abis::finger
