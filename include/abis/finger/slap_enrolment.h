// One slap (four fingers, two thumbs or one plain thumb, FGP 11-15) cut into the finger samples
// an enrolment stores, the same way for every door that takes slaps: `abis import nist` (Type-4/14),
// MOSIP CBEFF (ISO/IEC 19794-4 multi-finger records) and `abis enrol --slap`. Each finger is
// segmented (abis/finger_extract/slap_segmentation.h), held to the print-quality gate, checked
// against the single-finger prints of the same capture when there are any (slap_sequence_check.h),
// and kept with its place in the slap (the finger engine's sample option "slap") so that `abis
// export nist` can write the slap back with 14.021 SEG / 14.025 ASEG. docs/SLAPS.md.
// Built only with the fingerprint image library (abis_finger_extract). Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/finger_extract/image.h"
#include "abis/finger_extract/slap_segmentation.h"
#include "abis/minutiae/minutiae.h"
#include "abis/modality/engine.h"

namespace abis::finger {

// The false-match rate whose threshold the sequence check uses.
inline constexpr double kSlapSequenceFalseMatchRate = 1e-3;

struct SlapFingerForEnrolment {
  int position = 0;
  std::vector<std::uint8_t> png;  // the upright crop, 500 ppi
  std::string source;             // "<file> (Type-14 IDC 11, FGP 13) finger 3 (right_middle)"
  // Where the crop lies in its slap: {"position": FGP 11-15, "idc": the record's IDC (0 when
  // none), "width"/"height": the slap at 500 ppi, "box": [centre_x, centre_y, width, height,
  // angle_degrees] as RotatedBox, in that image's pixels, "missing": [[FGP, "XX" | "UP"], ...] the
  // slap's fingers not in its image, as 14.018 AMP writes them: declared amputated or unable to
  // print by the record, or not found by the segmentation ("UP")}.
  nlohmann::json slap = nlohmann::json::object();
};

struct SlapCut {
  SlapSegmentation segmentation;                     // at 500 ppi
  std::vector<SlapFingerForEnrolment> fingers;       // passed the gate and the sequence check
  std::vector<int> missing_positions;                // no finger found there, not declared missing
  std::vector<int> declared_missing_positions;       // declared missing (14.018 AMP) and not found: expected
  std::vector<int> refused_positions;                // found but refused: quality or sequence check
  std::vector<std::string> skipped;                  // one line per missing or refused finger: which and why
  int sequence_errors = 0;                           // fingers refused by the sequence check (a swap)
  nlohmann::json report = nlohmann::json::object();  // segmentation, quality, sequence check
  // Whether every finger the slap declares is in `fingers`.
  bool complete() const { return missing_positions.empty() && refused_positions.empty(); }
};

// An image of a record (ANSI/NIST Type-4/14, ISO/IEC 19794-4) at 500 ppi. `compression`: "NONE"
// or "none" for uncompressed 8-bit pixels that must fill width x height; anything else is decoded
// by content (WSQ, JPEG, PNG, JPEG 2000 when the image codec has it). `pixels_per_inch` > 0 is the
// record's scale and replaces what the file states (WSQ files often state a wrong "PPI 255").
// kInvalidArgument naming `where` when the bytes do not decode.
Result<GrayImage> DecodeRecordFingerImage(const std::vector<std::uint8_t>& bytes, const std::string& compression,
                                          int width, int height, double pixels_per_inch, const std::string& where);

// The single-finger prints (position 1-10 -> minutiae) the sequence check compares slap fingers
// with. Adds `image` at `position` unless the position is outside 1-10, already present, or no
// minutiae can be extracted (the check then has one reference fewer; never an error).
void AddSequenceReference(std::map<int, MinutiaeTemplate>& references, int position, const GrayImage& image);

// Cuts `slap` (500 ppi; FGP `slap_position` 11-15) into fingers for enrolment; `idc` and `where`
// name it in the kept geometry and every message. `min_quality`: the gate's floor for each finger.
// Fails (kInvalidArgument naming `where`) when the position is not a slap, the image holds no
// finger, or its content contradicts the position: two or more finger prints beyond what a slap
// holds (four fingers in a thumbs record), four or more in a plain-thumb record (a four-finger slap). A finger that
// matches another position's reference better than its own (a finger or hand swap) is refused, not enrolled.
// `declared_missing` (position -> AMPCD "XX" amputated / "UP" unable to print, as 14.018 AMP says): such
// a finger not found is expected, not a missing finger; one found anyway is noted in `skipped`.
Result<SlapCut> CutSlapForEnrolment(const GrayImage& slap, int slap_position, int idc, const std::string& where,
                                    int min_quality, const std::map<int, MinutiaeTemplate>& references,
                                    const std::map<int, std::string>& declared_missing = {});

// kFailedPrecondition naming `where` and every finger the slap declares that `cut` does not enrol
// (missing, under the quality floor, refused by the sequence check); Ok when it is complete.
Status RequireCompleteSlap(const SlapCut& cut, const std::string& where);

// The finger sample of one cut finger (PNG, its position, options "slap" and "min_quality").
SampleInput SlapFingerSample(SlapFingerForEnrolment finger, int min_quality);

}  // namespace abis::finger
