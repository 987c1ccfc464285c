// Fingerprint image quality in the spirit of NFIQ 2 (ISO/IEC 29794-4): features measured per
// 32 x 32 block of the fingerprint area (orientation certainty, local clarity, frequency-domain
// strength, ridge/valley uniformity), the area, and the extractor's minutiae, combined into a
// 0-100 score by a fixed formula (docs/EXTRACTOR.md, "Print quality"); and the gate that refuses
// non-prints and unusable prints with a reason. Computed by ExtractMinutiae from its own stages.
// Thread-safety: plain values and pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "abis/core/status.h"

namespace abis::finger {

struct PrintQualityFeatures {
  double foreground_mm2 = 0;     // area of the segmentation mask
  int blocks = 0;                // quality blocks mostly inside the mask
  double ocl = 0;                // mean orientation certainty level, 0-1 (1 - lambda_min / lambda_max)
  double lcs = 0;                // mean local clarity score, 0-1 (1 - ridge/valley overlap)
  double fda = 0;                // mean frequency-domain strength of the dominant ridge frequency, 0-1
  double rvu = 0;                // deviation of the ridge/valley width ratio over the blocks (0 = uniform)
  double ridge_block_share = 0;  // of the blocks: clear ridges at a ridge frequency (see .cc)
  double ridge_area_mm2 = 0;     // area of those blocks
  double clarity = 0;            // mean block quality, 0-1 (from ocl, lcs, fda of each block)
  int minutiae = 0;              // minutiae of the template (all inside the fingerprint area)
  int reliable_minutiae = 0;     // of them with the extractor's quality >= kReliableMinutiaQuality
};

struct PrintQuality {
  int score = 0;  // 0-100: 0.5 x clarity + 0.25 x area term + 0.25 x minutiae term, x 100
  PrintQualityFeatures features;
};

inline constexpr int kReliableMinutiaQuality = 50;
// The usable-quality floor that extraction and enrolment apply unless told otherwise
// (ExtractorOptions::min_quality, the finger engine's sample option "min_quality").
inline constexpr int kDefaultMinPrintQuality = 20;

// Why `features` are not those of a fingerprint: one "<feature> <value> below <threshold>" per
// failed test; empty when they are a print's.
std::vector<std::string> NonPrintFindings(const PrintQualityFeatures& features);

// The gate: kInvalidArgument "not a fingerprint: <findings>" when NonPrintFindings is not empty,
// else "unusable print: quality Q below the floor F (<features>)" when score < min_quality,
// else OK. min_quality <= 0 turns the floor off (not the non-print test).
Status CheckPrintQuality(const PrintQuality& quality, int min_quality);

// The score and features as the JSON reported beside a template's quality.
nlohmann::json PrintQualityJson(const PrintQuality& quality);

}  // namespace abis::finger
