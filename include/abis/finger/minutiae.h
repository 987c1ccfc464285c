// Minutiae: the fingerprint features every finger component shares (extractor, ISO/ANSI record
// reader/writer, matcher). Coordinates are pixels of the source image with the origin top-left,
// x to the right and y down, as in ISO/IEC 19794-2.
#pragma once

#include <cstdint>
#include <vector>

#include "abis/core/modality.h"

namespace abis::finger {

enum class MinutiaType : std::uint8_t { kOther = 0, kEnding = 1, kBifurcation = 2 };

struct Minutia {
  int x = 0;
  int y = 0;
  // Direction in radians in [0, 2*pi), counter-clockwise from the positive x axis (ISO/IEC
  // 19794-2 convention: for an ending the direction of the ridge running away from the point).
  double angle = 0.0;
  MinutiaType type = MinutiaType::kOther;
  int quality = 0;  // 0-100; 0 = not reported
};

struct MinutiaeTemplate {
  int width = 0;                 // image width in pixels
  int height = 0;                // image height in pixels
  double resolution_ppi = 500;   // pixels per inch of the coordinates
  FingerPosition position = FingerPosition::kUnknown;
  int finger_quality = 0;        // 0-100
  std::vector<Minutia> minutiae;
};

}  // namespace abis::finger
