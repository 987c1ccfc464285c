// The minutiae extractor: grey fingerprint image -> minutiae template with its ridge-orientation
// map. Implemented in src/finger_extract/ as named stages (segmentation, orientation, frequency,
// enhancement, binarisation, thinning, minutiae detection, false-minutiae removal, orientation map).
#pragma once

#include <string>

#include "abis/core/status.h"
#include "abis/finger_extract/image.h"
#include "abis/minutiae/minutiae.h"

namespace abis::finger {

struct ExtractorOptions {
  std::string debug_dir;  // when not empty, every stage's image is written there as PNG
};

// Extracts minutiae from `image` (rescaled to 500 ppi when its resolution is known and differs).
// Returns kInvalidArgument for images too small or with no usable ridge area, and for a
// resolution that is neither 0 (unknown) nor within kMinPlausiblePpi-kMaxPlausiblePpi.
Result<MinutiaeTemplate> ExtractMinutiae(const GrayImage& image, const ExtractorOptions& options = {});

}  // namespace abis::finger
