// The fingerprint ModalityEngine ("finger-mcc/1"). Templates are abis finger templates
// (docs/TEMPLATE_FORMAT.md) holding the minutiae of one finger; comparison is MCC bit-variant
// with LSS-R (mcc_matcher.h); the gallery is FingerGallery (finger_gallery.h).
//
// Extract() accepts, by format_hint or by content:
//   - ISO/IEC 19794-2:2005 and ANSI INCITS 378-2004 records ("FMR\0"; hints "iso19794-2",
//     "ansi378"): the view whose position equals sample.position, else view options["view"]
//     (default 0);
//   - abis finger templates ("ABFT"; hint "abis-finger");
//   - images (WSQ, TIFF, PNG, BMP, PGM) through DecodeFingerprintImage and ExtractMinutiae
//     (kUnimplemented in builds without the extractor library); options["resolution_ppi"]
//     (250-2000) is the scan resolution of an image whose file declares none (FVC2002 DB2:
//     569), which is then resampled to 500 ppi; a declared resolution wins;
//     options["debug_dir"] writes the extractor's stage images there. The print-quality gate
//     (abis/finger_extract/print_quality.h) refuses non-prints ("<source>: not a fingerprint:
//     ...") and prints scoring below the floor ("<source>: unusable print: ..."), both
//     kInvalidArgument; the floor is options["min_quality"] (0-100, 0 = none) when given, else
//     FingerEngineOptions::min_print_quality. The template's quality JSON carries
//     "print_quality": the score and its features.
// A sample with no minutiae or no valid cylinder is rejected (failure to enrol).
// Thread-safety: immutable; all const methods may run concurrently.
#pragma once

#include <memory>
#include <string_view>

#include "abis/finger/finger_gallery.h"
#include "abis/minutiae/minutiae.h"
#include "abis/modality/engine.h"

namespace abis::finger {

inline constexpr std::string_view kFingerAlgorithm = "finger-mcc/1";

struct FingerEngineOptions {
  FingerGalleryOptions gallery;
  // Usable-quality floor for images (0-100); < 0: the extractor's kDefaultMinPrintQuality.
  int min_print_quality = -1;
};

std::unique_ptr<ModalityEngine> MakeFingerEngine(FingerEngineOptions options = {});

// Decodes the minutiae of a template made by this engine; kInvalidArgument for another algorithm.
Result<MinutiaeTemplate> MinutiaeOfTemplate(const BiometricTemplate& finger_template);

// The minutiae of a sample, as Extract() sees them (exposed for the CLI and tests).
Result<MinutiaeTemplate> MinutiaeOfSample(const SampleInput& sample);

}  // namespace abis::finger
