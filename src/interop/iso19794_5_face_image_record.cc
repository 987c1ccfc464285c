#include "abis/interop/iso19794_5_face_image_record.h"

#include <algorithm>
#include <array>

#include "iso19794_byte_reader.h"

namespace abis::interop {

namespace {

constexpr std::array<std::uint8_t, 8> kFormatAndVersion = {'F', 'A', 'C', 0, '0', '3', '0', 0};
// Format identifier (4), version (4), record length (4), number of representations (2),
// certification flag (1), temporal semantics (2).
constexpr std::size_t kGeneralHeaderBytes = 17;
constexpr std::size_t kRepresentationFixedBytes = 18;

}  // namespace

std::string IsoFaceImageDataTypeName(int code) {
  static constexpr std::array<const char*, 4> kNames = {"jpeg", "jpeg2000-lossy", "jpeg2000-lossless", "png"};
  if (code >= 0 && code < static_cast<int>(kNames.size())) return kNames[static_cast<std::size_t>(code)];
  return "code " + std::to_string(code);
}

Result<IsoFaceImageRecord> ParseIsoFaceImageRecord(std::span<const std::uint8_t> bytes,
                                                   std::vector<std::string>* deviations) {
  ABIS_ASSIGN_OR_RETURN(internal::IsoByteReader reader,
                        internal::OpenIsoRecord(bytes, kFormatAndVersion, "ISO/IEC 19794-5 record",
                                                "\"FAC\\0\" \"030\\0\" (ISO/IEC 19794-5:2011)", kGeneralHeaderBytes, deviations));
  ABIS_ASSIGN_OR_RETURN(std::uint32_t representation_count, reader.U16("number of representations"));
  ABIS_ASSIGN_OR_RETURN(std::uint32_t certification_flag, reader.U8("certification flag"));
  ABIS_ASSIGN_OR_RETURN(std::uint32_t temporal_semantics, reader.U16("temporal semantics"));
  if (representation_count == 0) return reader.Error("number of representations", "is 0");
  IsoFaceImageRecord record;
  record.certification_flag = certification_flag != 0;
  record.temporal_semantics = static_cast<int>(temporal_semantics);

  for (std::uint32_t index = 0; index < representation_count; ++index) {
    ABIS_ASSIGN_OR_RETURN(internal::IsoByteReader body, reader.Representation(index, kRepresentationFixedBytes));
    IsoFaceImageRepresentation face;
    ABIS_ASSIGN_OR_RETURN(internal::IsoRepresentationHeader common, body.RepresentationHeader(record.certification_flag));
    face.capture_time = common.capture_time;
    face.quality = std::move(common.quality);
    face.certifications = std::move(common.certifications);
    // Facial information (17 bytes).
    ABIS_ASSIGN_OR_RETURN(std::uint32_t landmark_count, body.U16("number of landmark points"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t gender, body.U8("gender"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t eye_colour, body.U8("eye colour"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t hair_colour, body.U8("hair colour"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t subject_height, body.U8("subject height"));
    ABIS_ASSIGN_OR_RETURN(face.property_mask, body.U24("property mask"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t expression, body.U16("expression"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t yaw, body.U8("pose angle yaw"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t pitch, body.U8("pose angle pitch"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t roll, body.U8("pose angle roll"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t yaw_uncertainty, body.U8("pose angle uncertainty yaw"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t pitch_uncertainty, body.U8("pose angle uncertainty pitch"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t roll_uncertainty, body.U8("pose angle uncertainty roll"));
    for (std::uint32_t i = 0; i < landmark_count; ++i) {
      IsoFaceLandmark landmark;
      ABIS_ASSIGN_OR_RETURN(std::uint32_t type, body.U8("landmark point type"));
      ABIS_ASSIGN_OR_RETURN(std::uint32_t code, body.U8("landmark point code"));
      ABIS_ASSIGN_OR_RETURN(std::uint32_t x, body.U16("landmark x"));
      ABIS_ASSIGN_OR_RETURN(std::uint32_t y, body.U16("landmark y"));
      ABIS_ASSIGN_OR_RETURN(std::uint32_t z, body.U16("landmark z"));
      landmark.type = static_cast<int>(type);
      landmark.code = static_cast<int>(code);
      landmark.x = static_cast<int>(x);
      landmark.y = static_cast<int>(y);
      landmark.z = static_cast<int>(z);
      face.landmarks.push_back(landmark);
    }
    // Image information (11 bytes), then the image.
    ABIS_ASSIGN_OR_RETURN(std::uint32_t face_image_type, body.U8("face image type"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t image_data_type, body.U8("image data type"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t width, body.U16("width"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t height, body.U16("height"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t sampling_level, body.U8("spatial sampling rate level"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t post_processing, body.U16("post-acquisition processing"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t cross_reference, body.U8("cross reference"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t colour_space, body.U8("image colour space"));
    ABIS_ASSIGN_OR_RETURN(std::uint32_t image_length, body.U32("image data length"));
    ABIS_ASSIGN_OR_RETURN(std::span<const std::uint8_t> image, body.Bytes("image data", image_length));
    if (body.remaining() != 0 && deviations != nullptr) {
      deviations->push_back("ISO/IEC 19794-5 record, representation " + std::to_string(index + 1) + ": " +
                            std::to_string(body.remaining()) + " bytes after the image data ignored");
    }

    face.capture_device_technology = common.capture_device_technology;
    face.capture_device_vendor = common.capture_device_vendor;
    face.capture_device_type = common.capture_device_type;
    face.gender = static_cast<int>(gender);
    face.eye_colour = static_cast<int>(eye_colour);
    face.hair_colour = static_cast<int>(hair_colour);
    face.subject_height = static_cast<int>(subject_height);
    face.expression = static_cast<int>(expression);
    face.pose_yaw = static_cast<int>(yaw);
    face.pose_pitch = static_cast<int>(pitch);
    face.pose_roll = static_cast<int>(roll);
    face.pose_yaw_uncertainty = static_cast<int>(yaw_uncertainty);
    face.pose_pitch_uncertainty = static_cast<int>(pitch_uncertainty);
    face.pose_roll_uncertainty = static_cast<int>(roll_uncertainty);
    face.face_image_type = static_cast<int>(face_image_type);
    face.image_data_type = static_cast<int>(image_data_type);
    face.width = static_cast<int>(width);
    face.height = static_cast<int>(height);
    face.spatial_sampling_rate_level = static_cast<int>(sampling_level);
    face.post_acquisition_processing = static_cast<int>(post_processing);
    face.cross_reference = static_cast<int>(cross_reference);
    face.colour_space = static_cast<int>(colour_space);
    face.image_data.assign(image.begin(), image.end());
    record.representations.push_back(std::move(face));
  }
  if (reader.remaining() != 0 && deviations != nullptr) {
    deviations->push_back("ISO/IEC 19794-5 record: " + std::to_string(reader.remaining()) +
                          " bytes after the last representation ignored");
  }
  return record;
}

}  // namespace abis::interop
