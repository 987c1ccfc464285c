#include "abis/interop/iso19794_4_finger_image_record.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "iso19794_byte_reader.h"

namespace abis::interop {

namespace {

constexpr std::array<std::uint8_t, 8> kFormatAndVersion = {'F', 'I', 'R', 0, '0', '2', '0', 0};
constexpr std::size_t kGeneralHeaderBytes = 16;
// Representation header bytes before the variable quality/certification blocks: length (4),
// capture date-time (9), device technology (1), vendor (2), type (2).
constexpr std::size_t kRepresentationFixedBytes = 18;
constexpr int kPixelsPerInch = 1;
constexpr int kPixelsPerCentimetre = 2;

}  // namespace

std::string IsoFingerImageCompressionName(int code) {
  static constexpr std::array<const char*, 7> kNames = {
      "none", "none-bit-packed", "wsq", "jpeg", "jpeg2000-lossy", "jpeg2000-lossless", "png"};
  if (code >= 0 && code < static_cast<int>(kNames.size())) return kNames[static_cast<std::size_t>(code)];
  return "code " + std::to_string(code);
}

int IsoFingerImageRepresentation::ImagePixelsPerInch() const {
  if (scale_units == kPixelsPerCentimetre) return static_cast<int>(std::lround(image_horizontal_sampling_rate * 2.54));
  return image_horizontal_sampling_rate;
}

Result<IsoFingerImageRecord> ParseIsoFingerImageRecord(std::span<const std::uint8_t> bytes,
                                                       std::vector<std::string>* deviations) {
  ABIS_ASSIGN_OR_RETURN(internal::IsoByteReader reader,
                        internal::OpenIsoRecord(bytes, kFormatAndVersion, "ISO/IEC 19794-4 record",
                                                "\"FIR\\0\" \"020\\0\" (ISO/IEC 19794-4:2011)", kGeneralHeaderBytes, deviations));
  ABIS_ASSIGN_OR_RETURN(std::uint32_t representation_count, reader.U16("number of representations"));
  ABIS_ASSIGN_OR_RETURN(std::uint32_t certification_flag, reader.U8("certification flag"));
  ABIS_ASSIGN_OR_RETURN(std::uint32_t distinct_positions, reader.U8("number of distinct finger positions"));
  if (representation_count == 0) return reader.Error("number of representations", "is 0");
  IsoFingerImageRecord record;
  record.certification_flag = certification_flag != 0;
  record.distinct_positions = static_cast<int>(distinct_positions);

  for (std::uint32_t index = 0; index < representation_count; ++index) {
    ABIS_ASSIGN_OR_RETURN(internal::IsoByteReader body, reader.Representation(index, kRepresentationFixedBytes));
    IsoFingerImageRepresentation representation;
    ABIS_ASSIGN_OR_RETURN(internal::IsoRepresentationHeader common, body.RepresentationHeader(record.certification_flag));
    representation.capture_time = common.capture_time;
    representation.quality = std::move(common.quality);
    representation.certifications = std::move(common.certifications);
    ABIS_ASSIGN_OR_RETURN(std::uint32_t position, body.U8("finger/palm position"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t representation_number, body.U8("representation number"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t scale_units, body.U8("scale units"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t capture_h, body.U16("capture horizontal sampling rate"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t capture_v, body.U16("capture vertical sampling rate"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t image_h, body.U16("image horizontal sampling rate"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t image_v, body.U16("image vertical sampling rate"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t bit_depth, body.U8("bit depth"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t compression, body.U8("compression algorithm"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t impression, body.U8("impression type"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t width, body.U16("horizontal line length"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t height, body.U16("vertical line length"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t image_length, body.U32("image data length"));
    if (scale_units != kPixelsPerInch && scale_units != kPixelsPerCentimetre) {
      return body.Error("scale units", std::to_string(scale_units) + " is neither 1 (ppi) nor 2 (ppcm)");
    }
    if (width == 0 || height == 0) return body.Error("line lengths", "image width or height is 0");
    ABIS_ASSIGN_OR_RETURN(std::span<const std::uint8_t> image, body.Bytes("image data", image_length));
    ABIS_ASSIGN_OR_RETURN(std::span<const std::uint8_t> extended, body.Bytes("extended data", body.remaining()));

    representation.capture_device_technology = common.capture_device_technology;
    representation.capture_device_vendor = common.capture_device_vendor;
    representation.capture_device_type = common.capture_device_type;
    representation.finger_position = static_cast<int>(position);
    representation.representation_number = static_cast<int>(representation_number);
    representation.scale_units = static_cast<int>(scale_units);
    representation.capture_horizontal_sampling_rate = static_cast<int>(capture_h);
    representation.capture_vertical_sampling_rate = static_cast<int>(capture_v);
    representation.image_horizontal_sampling_rate = static_cast<int>(image_h);
    representation.image_vertical_sampling_rate = static_cast<int>(image_v);
    representation.bit_depth = static_cast<int>(bit_depth);
    representation.compression = static_cast<int>(compression);
    representation.impression_type = static_cast<int>(impression);
    representation.width = static_cast<int>(width);
    representation.height = static_cast<int>(height);
    representation.image_data.assign(image.begin(), image.end());
    representation.extended_data.assign(extended.begin(), extended.end());
    record.representations.push_back(std::move(representation));
  }
  if (reader.remaining() != 0 && deviations != nullptr) {
    deviations->push_back("ISO/IEC 19794-4 record: " + std::to_string(reader.remaining()) +
                          " bytes after the last representation ignored");
  }
  return record;
}

}  // namespace abis::interop
