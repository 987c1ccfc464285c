// abis's own finger template format, version 2: the minutiae of one finger and its coarse
// ridge-orientation map (version 1, still read: minutiae only), little-endian, with
// a CRC-32 trailer. The byte layout is specified in docs/TEMPLATE_FORMAT.md. Templates of
// another version are rejected with the version named (never misread); damaged ones fail the CRC.
// Thread-safety: free functions on values.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/minutiae/minutiae.h"

namespace abis::finger {

inline constexpr std::uint16_t kFingerTemplateFormatVersion = 2;  // writes 2, reads 1 and 2
inline constexpr int kMaxTemplateMinutiae = 255;  // as many as an ISO/ANSI view can carry

// Serialises `minutiae`. kInvalidArgument for anything DecodeFingerTemplate would refuse: more
// than 255 minutiae, coordinates outside 0-65535 or outside the image when its size is known,
// quality outside 0-100, a non-finite angle or resolution, an orientation map whose block size
// is not 1-255, whose cells are not columns x rows, whose grid does not cover the image
// (columns = ceil(width / block size), likewise rows) or that holds a value 180-254.
Result<std::vector<std::uint8_t>> EncodeFingerTemplate(const MinutiaeTemplate& minutiae);

// Parses and validates bytes written by EncodeFingerTemplate. kUnimplemented for another format
// version; kDataLoss on a CRC mismatch; kInvalidArgument for anything else malformed. Errors are
// prefixed with `source_name`.
Result<MinutiaeTemplate> DecodeFingerTemplate(std::span<const std::uint8_t> bytes,
                                              const std::string& source_name = "finger template");

// The rules every orientation map obeys wherever it is stored (this format, the 1:N gallery): no
// map (block size 0, no cells), or a block size 1-255, 1-65535 columns and rows, columns x rows
// cells each 0-179 or 255, and, when the image's width or height is known (> 0), a grid that
// covers it (columns = ceil(width / block size), likewise rows). kInvalidArgument names the rule.
Status ValidateOrientationMap(const RidgeOrientationMap& map, int width, int height);

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as used by the format's trailer.
std::uint32_t Crc32(std::span<const std::uint8_t> bytes);

}  // namespace abis::finger
