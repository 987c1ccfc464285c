// ISO/IEC 19794-5:2011 face image record ("FAC\0", version "030\0"), as MOSIP packs the face in its
// CBEFF BDB: the general header and each face representation with its image bytes.
// Thread-safety: plain values; the parser shares no state.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/interop/iso19794_common.h"

namespace abis::interop {

// "Image data type" codes of ISO/IEC 19794-5:2011.
enum class IsoFaceImageDataType : std::uint8_t { kJpeg = 0, kJpeg2000Lossy = 1, kJpeg2000Lossless = 2, kPng = 3 };

// "jpeg", "jpeg2000-lossy", "jpeg2000-lossless", "png", or "code N".
std::string IsoFaceImageDataTypeName(int code);

struct IsoFaceLandmark {
  int type = 0;
  int code = 0;
  int x = 0;
  int y = 0;
  int z = 0;
};

struct IsoFaceImageRepresentation {
  IsoCaptureDateTime capture_time;
  int capture_device_technology = 0;
  int capture_device_vendor = 0;
  int capture_device_type = 0;
  std::vector<IsoQualityBlock> quality;
  std::vector<IsoCertificationBlock> certifications;  // present when the record's flag is set
  int gender = 0;
  int eye_colour = 0;
  int hair_colour = 0;
  int subject_height = 0;
  std::uint32_t property_mask = 0;  // 24 bits
  int expression = 0;
  int pose_yaw = 0, pose_pitch = 0, pose_roll = 0;  // encoded angles as stored
  int pose_yaw_uncertainty = 0, pose_pitch_uncertainty = 0, pose_roll_uncertainty = 0;
  std::vector<IsoFaceLandmark> landmarks;
  int face_image_type = 0;
  int image_data_type = 0;  // IsoFaceImageDataType code
  int width = 0;
  int height = 0;
  int spatial_sampling_rate_level = 0;
  int post_acquisition_processing = 0;
  int cross_reference = 0;
  int colour_space = 0;
  std::vector<std::uint8_t> image_data;  // the encoded image exactly as stored
};

struct IsoFaceImageRecord {
  bool certification_flag = false;
  int temporal_semantics = 0;
  std::vector<IsoFaceImageRepresentation> representations;
};

// Parses one record. Fails (kInvalidArgument, naming the field and byte offset) on a wrong format
// identifier or version, a record length larger than the bytes given (truncated), no
// representation, or a representation or image length that overruns its container. Bytes after the
// declared record length are ignored and reported through `deviations` when given.
Result<IsoFaceImageRecord> ParseIsoFaceImageRecord(std::span<const std::uint8_t> bytes,
                                                   std::vector<std::string>* deviations = nullptr);

}  // namespace abis::interop
