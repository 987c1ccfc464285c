// ISO/IEC 19794-4:2011 finger image record ("FIR\0", version "020\0"), as MOSIP packs fingers in
// its CBEFF BDBs: the general header and each finger representation with its image bytes.
// Thread-safety: plain values; the parser shares no state.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/interop/iso19794_common.h"

namespace abis::interop {

// Table "compression algorithm codes" of ISO/IEC 19794-4:2011.
enum class IsoFingerImageCompression : std::uint8_t {
  kUncompressed = 0,
  kUncompressedBitPacked = 1,
  kWsq = 2,
  kJpeg = 3,
  kJpeg2000Lossy = 4,
  kJpeg2000Lossless = 5,
  kPng = 6,
};

// "none", "none-bit-packed", "wsq", "jpeg", "jpeg2000-lossy", "jpeg2000-lossless", "png", or
// "code N" for a value outside the table.
std::string IsoFingerImageCompressionName(int code);

struct IsoFingerImageRepresentation {
  IsoCaptureDateTime capture_time;
  int capture_device_technology = 0;
  int capture_device_vendor = 0;
  int capture_device_type = 0;
  std::vector<IsoQualityBlock> quality;
  std::vector<IsoCertificationBlock> certifications;  // present when the record's flag is set
  int finger_position = 0;  // 0-10 single fingers (ANSI/NIST codes), 11-15 multi-finger, 20+ palm
  int representation_number = 0;
  int scale_units = 0;      // 1 pixels per inch, 2 pixels per centimetre
  int capture_horizontal_sampling_rate = 0;
  int capture_vertical_sampling_rate = 0;
  int image_horizontal_sampling_rate = 0;
  int image_vertical_sampling_rate = 0;
  int bit_depth = 0;
  int compression = 0;      // IsoFingerImageCompression code
  int impression_type = 0;
  int width = 0;            // horizontal line length, pixels
  int height = 0;           // vertical line length, pixels
  std::vector<std::uint8_t> image_data;     // the encoded image exactly as stored
  std::vector<std::uint8_t> extended_data;  // segmentation/annotation/comment blocks, undecoded

  // The image's horizontal sampling rate in pixels per inch (converted from per-centimetre).
  int ImagePixelsPerInch() const;
};

struct IsoFingerImageRecord {
  bool certification_flag = false;
  int distinct_positions = 0;
  std::vector<IsoFingerImageRepresentation> representations;
};

// Parses one record. Fails (kInvalidArgument, naming the field and byte offset) on a wrong format
// identifier or version, a record length that disagrees with the bytes given when they are fewer
// (truncated), no representation, a representation or image length that overruns its container,
// zero width or height, or an unknown scale unit. Bytes after the declared record length are
// ignored and reported through `deviations` when given.
Result<IsoFingerImageRecord> ParseIsoFingerImageRecord(std::span<const std::uint8_t> bytes,
                                                       std::vector<std::string>* deviations = nullptr);

}  // namespace abis::interop
