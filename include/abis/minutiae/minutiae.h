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

// A coarse ridge-orientation field, one cell per block_size x block_size block of the image the
// minutiae came from (same pixels and resolution), row-major from the top-left. Each cell is the
// ridge direction in degrees in [0, 180), measured like the image: from the x axis towards y
// pointing down, or kNoDirection where there is no fingerprint or no clear ridge flow. Our
// extractor fills it; standard minutiae records carry none (block_size 0).
struct RidgeOrientationMap {
  static constexpr std::uint8_t kNoDirection = 255;
  // Whether a cell holds a direction (0-179). Values 180-254 are not valid; code that reads a map
  // it has not validated treats them as "no direction".
  static constexpr bool IsDirection(std::uint8_t cell) { return cell < 180; }
  int block_size = 0;  // pixels; 0 = no map
  int columns = 0;
  int rows = 0;
  std::vector<std::uint8_t> cells;  // columns * rows
  bool empty() const { return block_size == 0; }
};

struct MinutiaeTemplate {
  int width = 0;                 // image width in pixels
  int height = 0;                // image height in pixels
  double resolution_ppi = 500;   // pixels per inch of the coordinates
  FingerPosition position = FingerPosition::kUnknown;
  int finger_quality = 0;        // 0-100
  std::vector<Minutia> minutiae;
  RidgeOrientationMap orientation;  // optional
};

}  // namespace abis::finger
