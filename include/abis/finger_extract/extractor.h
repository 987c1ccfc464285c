// The minutiae extractor: grey fingerprint image -> minutiae template with its ridge-orientation
// map. Implemented in src/finger_extract/ as named stages (segmentation, orientation, frequency,
// enhancement, binarisation, thinning, minutiae detection, false-minutiae removal, orientation map).
#pragma once

#include <string>

#include "abis/core/status.h"
#include "abis/finger_extract/image.h"
#include "abis/finger_extract/print_quality.h"
#include "abis/minutiae/minutiae.h"

namespace abis::finger {

struct ExtractorOptions {
  std::string debug_dir;  // when not empty, every stage's image is written there as PNG
  // The print-quality gate (CheckPrintQuality): images whose features are not a fingerprint's are
  // refused, and prints whose score is below min_quality (0: no floor).
  int min_quality = kDefaultMinPrintQuality;
  // false only for evaluations that need the quality of every image (abis eval finger-quality):
  // the quality is measured and nothing is refused by it (an image without any fingerprint area
  // is still refused: there is nothing to measure).
  bool apply_quality_gate = true;
};

// A template with the print quality measured on the way; minutiae.finger_quality is quality.score.
struct ExtractedPrint {
  MinutiaeTemplate minutiae;
  PrintQuality quality;
};

// Extracts minutiae from `image` (rescaled to 500 ppi when its resolution is known and differs)
// and measures its print quality. Returns kInvalidArgument for images too small, for a resolution
// that is neither 0 (unknown) nor within kMinPlausiblePpi-kMaxPlausiblePpi, and as the gate
// decides: "not a fingerprint: <findings>" (also when no fingerprint area is found at all) or
// "unusable print: quality Q below the floor F (...)" (CheckPrintQuality, options.min_quality).
Result<ExtractedPrint> ExtractPrint(const GrayImage& image, const ExtractorOptions& options = {});

// ExtractPrint's template alone.
Result<MinutiaeTemplate> ExtractMinutiae(const GrayImage& image, const ExtractorOptions& options = {});

}  // namespace abis::finger
