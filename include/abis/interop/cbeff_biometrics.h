// What a CBEFF document offers for enrolment or search: finger images (decoded to grey pixels when
// JPEG 2000 or uncompressed) with their positions, and face images (encoded bytes, plus pixels when
// JPEG 2000), taken from the ISO/IEC 19794-4/-5:2011 records in the BDBs. Every BIR that cannot be
// used is listed with the reason, and never stops the others.
// Thread-safety: plain values; the function shares no state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "abis/core/modality.h"
#include "abis/core/status.h"
#include "abis/interop/cbeff_reader.h"
#include "abis/interop/jpeg2000_image.h"

namespace abis::interop {

struct CbeffFingerSample {
  int bir_index = 0;
  FingerPosition position = FingerPosition::kUnknown;  // from the ISO record, checked against the Subtype
  std::optional<int> cbeff_quality;  // BDBInfo/Quality/Score
  std::optional<int> iso_quality;    // first ISO quality block score, when present
  int impression_type = 0;
  std::string compression;           // IsoFingerImageCompressionName
  GreyImage image;                   // decoded pixels; empty (width 0) when compression is WSQ/JPEG/PNG
  std::vector<std::uint8_t> encoded; // the image bytes exactly as in the record
};

struct CbeffFaceSample {
  int bir_index = 0;
  std::optional<int> cbeff_quality;
  std::string image_format;          // IsoFaceImageDataTypeName: "jpeg", "jpeg2000-lossless", "png", ...
  int width = 0;                     // as declared by the ISO record
  int height = 0;
  std::vector<std::uint8_t> encoded; // the image file bytes (JPEG, JP2 or PNG)
  std::optional<DecodedImage> decoded;  // pixels, for JPEG 2000 images only
};

struct CbeffBiometrics {
  std::vector<CbeffFingerSample> fingers;
  std::vector<CbeffFaceSample> faces;
  // One line per BIR not used, naming it and why: undecodable BDB, truncated or malformed ISO
  // record, undecodable image, position contradicting the Subtype, iris (no iris modality), ...
  std::vector<std::string> skipped;
  // One line per tolerated departure (e.g. bytes after an ISO record's declared length).
  std::vector<std::string> deviations;
};

// The finger position named by a CBEFF Subtype list ({"Right", "IndexFinger"}, {"Left", "Thumb"}).
// kInvalidArgument for anything that is not one side and one finger.
Result<FingerPosition> FingerPositionFromCbeffSubtype(const std::vector<std::string>& subtypes);

// Extracts every usable finger and face sample (see CbeffBiometrics). A BIR is a finger when its
// Type is "Finger", a face when "Face"; its BDB must be an ISO/IEC 19794-4:2011 or 19794-5:2011
// record with exactly one representation.
CbeffBiometrics ExtractCbeffBiometrics(const CbeffDocument& document);

}  // namespace abis::interop
