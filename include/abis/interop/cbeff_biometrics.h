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

// A multi-finger image (ISO/IEC 19794-4 position 11 plain right thumb, 12 plain left thumb, 13
// right four, 14 left four, 15 both thumbs), for the finger side to segment.
struct CbeffSlapSample {
  int bir_index = 0;
  int slap_position = 0;             // 11-15
  std::optional<int> cbeff_quality;
  std::string compression;           // IsoFingerImageCompressionName
  int width = 0;                     // as declared by the ISO record
  int height = 0;
  int pixels_per_inch = 0;           // the record's image resolution (0 unknown)
  GreyImage image;                   // decoded pixels; empty (width 0) when compression is WSQ/JPEG/PNG
  std::vector<std::uint8_t> encoded; // the image bytes exactly as in the record
  // Why the image cannot be used (undecodable JPEG 2000, uncompressed bytes that do not fill the
  // declared size, unsupported compression); empty when usable. Kept here rather than in
  // `skipped` so that the enrolment can refuse a slap it cannot cut instead of enrolling the rest.
  std::string problem;
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
  std::vector<CbeffSlapSample> slaps;
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
// record with exactly one representation. A finger record at position 11-15 is a slap; one whose
// CBEFF Subtype names a single finger (other than the thumb a plain-thumb record holds) contradicts
// it and is skipped; palms (20+) are skipped.
CbeffBiometrics ExtractCbeffBiometrics(const CbeffDocument& document);

}  // namespace abis::interop
