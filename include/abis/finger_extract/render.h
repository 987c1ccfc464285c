// Drawing minutiae on fingerprint images for people: examiners checking an extraction, or a
// comparison's matched minutiae side by side. SVG (the image embedded as PNG) or PNG.
// Thread-safety: pure functions.
#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "abis/core/status.h"
#include "abis/finger_extract/image.h"
#include "abis/minutiae/minutiae.h"

namespace abis::finger {

// A matched pair: index into the first template's minutiae, index into the second's.
using MinutiaPair = std::pair<int, int>;

// One image with its minutiae: a circle at each (red ending, blue bifurcation, grey other) and a
// tick along its direction. Template coordinates are scaled to the image when the template's
// width/height differ from the image's. Returns the SVG document.
// kInvalidArgument when the image is empty or inconsistent (pixels != width*height).
Result<std::string> RenderMinutiaeSvg(const GrayImage& image, const MinutiaeTemplate& minutiae);

// Two images side by side, each with its minutiae, and a line joining every pair in `pairs`.
// kInvalidArgument when an index is out of range for its template.
Result<std::string> RenderMatchSvg(const GrayImage& first, const MinutiaeTemplate& first_minutiae,
                                   const GrayImage& second, const MinutiaeTemplate& second_minutiae,
                                   std::span<const MinutiaPair> pairs);

// The same drawings as PNG files at `path` (colour). kIoError when the file cannot be written.
Status RenderMinutiaePng(const GrayImage& image, const MinutiaeTemplate& minutiae, const std::string& path);
Status RenderMatchPng(const GrayImage& first, const MinutiaeTemplate& first_minutiae, const GrayImage& second,
                      const MinutiaeTemplate& second_minutiae, std::span<const MinutiaPair> pairs,
                      const std::string& path);

}  // namespace abis::finger
