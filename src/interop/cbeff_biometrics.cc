#include "abis/interop/cbeff_biometrics.h"

#include <array>

#include <fmt/format.h>

#include "abis/interop/iso19794_4_finger_image_record.h"
#include "abis/interop/iso19794_5_face_image_record.h"

namespace abis::interop {

namespace {

std::string Describe(const CbeffBir& bir) {
  std::string kind;
  for (const std::string& type : bir.types) kind += (kind.empty() ? "" : " ") + type;
  for (const std::string& subtype : bir.subtypes) kind += " " + subtype;
  return "BIR " + std::to_string(bir.index) + (kind.empty() ? "" : " (" + kind + ")");
}

std::string LeadingBytesHex(const std::vector<std::uint8_t>& bytes) {
  std::string hex;
  for (std::size_t i = 0; i < bytes.size() && i < 8; ++i) hex += fmt::format("{}{:02x}", i == 0 ? "" : " ", bytes[i]);
  return hex;
}

bool StartsWith(const std::vector<std::uint8_t>& bytes, std::string_view magic) {
  return bytes.size() >= magic.size() && std::equal(magic.begin(), magic.end(), bytes.begin(),
                                                    [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; });
}

void AddDeviations(const CbeffBir& bir, const std::vector<std::string>& found, CbeffBiometrics* out) {
  for (const std::string& line : found) out->deviations.push_back(Describe(bir) + ": " + line);
}

constexpr int kFirstSlapPosition = 11;  // plain right thumb
constexpr int kLastSlapPosition = 15;   // both thumbs

// A multi-finger representation: kept with its image (decoded when JPEG 2000 or raw) or with why
// it cannot be used (an image that does not decode, a CBEFF Subtype naming another finger).
Status ExtractSlap(const CbeffBir& bir, const IsoFingerImageRepresentation& finger, CbeffBiometrics* out) {
  CbeffSlapSample sample;
  sample.bir_index = bir.index;
  sample.slap_position = finger.finger_position;
  sample.cbeff_quality = bir.quality_score;
  sample.compression = IsoFingerImageCompressionName(finger.compression);
  sample.width = finger.width;
  sample.height = finger.height;
  sample.pixels_per_inch = finger.ImagePixelsPerInch();
  sample.encoded = finger.image_data;
  if (!bir.subtypes.empty()) {
    Result<FingerPosition> named = FingerPositionFromCbeffSubtype(bir.subtypes);
    const bool plain_thumb = (finger.finger_position == 11 && named.ok() && *named == FingerPosition::kRightThumb) ||
                             (finger.finger_position == 12 && named.ok() && *named == FingerPosition::kLeftThumb);
    if (named.ok() && !plain_thumb) {
      sample.problem = "the ISO record's finger position " + std::to_string(finger.finger_position) +
                       " (a slap) contradicts the CBEFF Subtype " + std::string(FingerPositionName(*named)) +
                       " (one finger)";
      out->slaps.push_back(std::move(sample));
      return Status::Ok();
    }
  }
  switch (static_cast<IsoFingerImageCompression>(finger.compression)) {
    case IsoFingerImageCompression::kJpeg2000Lossy:
    case IsoFingerImageCompression::kJpeg2000Lossless: {
      Result<DecodedImage> decoded = DecodeJpeg2000(finger.image_data);
      if (!decoded.ok()) {
        sample.problem = decoded.status().message();
      } else if (decoded->width != finger.width || decoded->height != finger.height) {
        sample.problem = fmt::format("JPEG 2000 image is {}x{} but the record declares {}x{}", decoded->width,
                                     decoded->height, finger.width, finger.height);
      } else {
        sample.image = ToGrey(*decoded, sample.pixels_per_inch);
      }
      break;
    }
    case IsoFingerImageCompression::kUncompressed: {
      const std::size_t expected = static_cast<std::size_t>(finger.width) * static_cast<std::size_t>(finger.height);
      if (finger.bit_depth != 8 || finger.image_data.size() != expected) {
        sample.problem = fmt::format("uncompressed image of {} bytes at {} bits does not fill {}x{} 8-bit",
                                     finger.image_data.size(), finger.bit_depth, finger.width, finger.height);
      } else {
        sample.image = GreyImage{finger.width, finger.height, sample.pixels_per_inch, finger.image_data};
      }
      break;
    }
    case IsoFingerImageCompression::kWsq:
    case IsoFingerImageCompression::kJpeg:
    case IsoFingerImageCompression::kPng:
      break;  // decoded by the finger side
    default:
      sample.problem = "finger image compression " + sample.compression + " is not supported";
  }
  out->slaps.push_back(std::move(sample));
  return Status::Ok();
}

Status ExtractFinger(const CbeffBir& bir, CbeffBiometrics* out) {
  std::vector<std::string> deviations;
  Result<IsoFingerImageRecord> record = ParseIsoFingerImageRecord(bir.bdb, &deviations);
  if (!record.ok()) return record.status();
  AddDeviations(bir, deviations, out);
  if (record->representations.size() != 1) {
    return Status::InvalidArgument(std::to_string(record->representations.size()) +
                                   " finger representations in one BDB (1 expected)");
  }
  const IsoFingerImageRepresentation& finger = record->representations.front();
  if (finger.finger_position >= kFirstSlapPosition && finger.finger_position <= kLastSlapPosition) {
    return ExtractSlap(bir, finger, out);
  }
  if (finger.finger_position > 10) {
    return Status::InvalidArgument("finger position " + std::to_string(finger.finger_position) +
                                   " is not a finger or a slap (palm?)");
  }
  ABIS_ASSIGN_OR_RETURN(FingerPosition position, FingerPositionFromCode(finger.finger_position));
  if (!bir.subtypes.empty()) {
    Result<FingerPosition> named = FingerPositionFromCbeffSubtype(bir.subtypes);
    if (named.ok() && *named != position) {
      return Status::InvalidArgument("the ISO record's finger position " + std::string(FingerPositionName(position)) +
                                     " contradicts the CBEFF Subtype " + std::string(FingerPositionName(*named)));
    }
  }
  CbeffFingerSample sample;
  sample.bir_index = bir.index;
  sample.position = position;
  sample.cbeff_quality = bir.quality_score;
  if (!finger.quality.empty()) sample.iso_quality = finger.quality.front().score;
  sample.impression_type = finger.impression_type;
  sample.compression = IsoFingerImageCompressionName(finger.compression);
  sample.encoded = finger.image_data;
  const int ppi = finger.ImagePixelsPerInch();
  switch (static_cast<IsoFingerImageCompression>(finger.compression)) {
    case IsoFingerImageCompression::kJpeg2000Lossy:
    case IsoFingerImageCompression::kJpeg2000Lossless: {
      ABIS_ASSIGN_OR_RETURN(DecodedImage decoded, DecodeJpeg2000(finger.image_data));
      if (decoded.width != finger.width || decoded.height != finger.height) {
        return Status::InvalidArgument(fmt::format("JPEG 2000 image is {}x{} but the record declares {}x{}",
                                                   decoded.width, decoded.height, finger.width, finger.height));
      }
      sample.image = ToGrey(decoded, ppi);
      break;
    }
    case IsoFingerImageCompression::kUncompressed: {
      const std::size_t expected = static_cast<std::size_t>(finger.width) * static_cast<std::size_t>(finger.height);
      if (finger.bit_depth != 8 || finger.image_data.size() != expected) {
        return Status::InvalidArgument(fmt::format("uncompressed image of {} bytes at {} bits does not fill {}x{} 8-bit",
                                                   finger.image_data.size(), finger.bit_depth, finger.width,
                                                   finger.height));
      }
      sample.image = GreyImage{finger.width, finger.height, ppi, finger.image_data};
      break;
    }
    case IsoFingerImageCompression::kWsq:
    case IsoFingerImageCompression::kJpeg:
    case IsoFingerImageCompression::kPng:
      break;  // handed out encoded; the finger engine decodes these formats
    default:
      return Status::Unimplemented("finger image compression " + sample.compression + " is not supported");
  }
  out->fingers.push_back(std::move(sample));
  return Status::Ok();
}

Status ExtractFace(const CbeffBir& bir, CbeffBiometrics* out) {
  std::vector<std::string> deviations;
  Result<IsoFaceImageRecord> record = ParseIsoFaceImageRecord(bir.bdb, &deviations);
  if (!record.ok()) return record.status();
  AddDeviations(bir, deviations, out);
  if (record->representations.size() != 1) {
    return Status::InvalidArgument(std::to_string(record->representations.size()) +
                                   " face representations in one BDB (1 expected)");
  }
  const IsoFaceImageRepresentation& face = record->representations.front();
  CbeffFaceSample sample;
  sample.bir_index = bir.index;
  sample.cbeff_quality = bir.quality_score;
  sample.image_format = IsoFaceImageDataTypeName(face.image_data_type);
  sample.width = face.width;
  sample.height = face.height;
  sample.encoded = face.image_data;
  switch (static_cast<IsoFaceImageDataType>(face.image_data_type)) {
    case IsoFaceImageDataType::kJpeg2000Lossy:
    case IsoFaceImageDataType::kJpeg2000Lossless: {
      ABIS_ASSIGN_OR_RETURN(DecodedImage decoded, DecodeJpeg2000(face.image_data));
      sample.decoded = std::move(decoded);
      break;
    }
    case IsoFaceImageDataType::kJpeg:
    case IsoFaceImageDataType::kPng:
      break;
    default:
      return Status::Unimplemented("face image data type " + sample.image_format + " is not supported");
  }
  out->faces.push_back(std::move(sample));
  return Status::Ok();
}

}  // namespace

Result<FingerPosition> FingerPositionFromCbeffSubtype(const std::vector<std::string>& subtypes) {
  struct Named {
    std::string_view finger;
    FingerPosition right;
    FingerPosition left;
  };
  static constexpr std::array<Named, 5> kFingers = {{
      {"Thumb", FingerPosition::kRightThumb, FingerPosition::kLeftThumb},
      {"IndexFinger", FingerPosition::kRightIndex, FingerPosition::kLeftIndex},
      {"MiddleFinger", FingerPosition::kRightMiddle, FingerPosition::kLeftMiddle},
      {"RingFinger", FingerPosition::kRightRing, FingerPosition::kLeftRing},
      {"LittleFinger", FingerPosition::kRightLittle, FingerPosition::kLeftLittle},
  }};
  std::string joined;
  for (const std::string& word : subtypes) joined += (joined.empty() ? "" : " ") + word;
  if (subtypes.size() == 2 && (subtypes[0] == "Right" || subtypes[0] == "Left")) {
    for (const Named& named : kFingers) {
      if (subtypes[1] == named.finger) return subtypes[0] == "Right" ? named.right : named.left;
    }
  }
  return Status::InvalidArgument("CBEFF Subtype \"" + joined + "\" does not name one finger");
}

CbeffBiometrics ExtractCbeffBiometrics(const CbeffDocument& document) {
  CbeffBiometrics out;
  for (const CbeffBir& bir : document.birs) {
    if (!bir.status.ok()) {
      out.skipped.push_back(bir.status.message());
      continue;
    }
    Status status;
    if (bir.HasType("Finger")) {
      status = ExtractFinger(bir, &out);
    } else if (bir.HasType("Face")) {
      status = ExtractFace(bir, &out);
    } else if (bir.HasType("Iris")) {
      status = StartsWith(bir.bdb, std::string_view("IIR\0", 4))
                   ? Status::Unimplemented("iris is not a modality of this system")
                   : Status::InvalidArgument("BDB is not an ISO/IEC 19794-6 iris record (starts with " +
                                             LeadingBytesHex(bir.bdb) + ")");
    } else {
      status = Status::Unimplemented("BDB type is not Finger, Face or Iris");
    }
    if (!status.ok()) out.skipped.push_back(Describe(bir) + ": " + status.message());
  }
  return out;
}

}  // namespace abis::interop
