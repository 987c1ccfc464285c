// The samples of a CBEFF document as the modality engines take them: every finger and face that
// ExtractCbeffBiometrics found becomes a SampleInput whose bytes are also what the store keeps
// (the sample as captured, in a format the engine decodes). Fingers decoded from JPEG 2000 or raw
// pixels become binary PGM; WSQ, JPEG and PNG fingers keep their encoded bytes. Faces keep their
// JPEG or PNG bytes; JPEG 2000 faces (which the face engine cannot decode) become binary PGM/PPM
// of the pixels the CBEFF reader decoded.
// Thread-safety: plain values; the function shares no state.
#pragma once

#include <string>
#include <vector>

#include "abis/interop/cbeff_biometrics.h"
#include "abis/modality/engine.h"

namespace abis::mosip {

// The finger resolution the engines work at; PGM carries no resolution, so a finger image at
// another resolution cannot be handed over as PGM without being misread.
inline constexpr int kFingerPixelsPerInch = 500;

// How multi-finger records (slaps, ISO/IEC 19794-4 positions 11-15) are enrolled: each is cut
// into fingers (abis/finger/slap_enrolment.h) and each finger becomes a sample at its position,
// checked against the document's single-finger images when there are any (sequence check).
struct CbeffSlapPolicy {
  // false: a slap whose declared fingers are not all found and usable refuses the whole document
  // (nothing of it is enrolled); true: the usable fingers are enrolled, the others listed.
  bool accept_partial = false;
  int min_quality = 20;  // each finger's print-quality floor (0-100)
};

struct CbeffSampleInputs {
  std::vector<SampleInput> samples;  // fingers first (in BIR order), then slap fingers, then faces
  // One line per sample that could not be turned into an input, naming its BIR and why, after
  // the reader's own `skipped` lines.
  std::vector<std::string> skipped;
  // Not Ok when the document must not be enrolled at all (then `samples` is empty): a slap that
  // cannot be decoded or whose content contradicts its position (kInvalidArgument), or an
  // incomplete slap without CbeffSlapPolicy::accept_partial (kFailedPrecondition), or a slap in a
  // build without the fingerprint image module (kUnimplemented). Names the BIR and the fingers.
  Status refusal;
  int slap_fingers = 0;  // samples cut from slaps
};

// Converts `biometrics` to engine inputs; `source` names the document in every source_name and
// message (e.g. "MOSIP referenceId 42"). A decoded finger whose resolution is known and differs
// from kFingerPixelsPerInch by more than 1 % is skipped (resampling is the engine's job, and PGM
// cannot tell it the resolution).
CbeffSampleInputs SampleInputsFromCbeff(const interop::CbeffBiometrics& biometrics, const std::string& source,
                                        const CbeffSlapPolicy& slaps = {});

// A binary PNM file (P5 grey, P6 RGB; the alpha of RGBA is dropped) of 8-bit decoded pixels.
// REQUIRES image.channels is 1, 3 or 4 and pixels holds width * height * channels bytes;
// returns an empty vector otherwise.
std::vector<std::uint8_t> EncodePnm(const interop::DecodedImage& image);

}  // namespace abis::mosip
