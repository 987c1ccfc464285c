// The FVC verification protocol (Maio et al., FVC2002) on an FVC-style folder: files
// `<finger>_<impression>.<ext>` (images: tif, tiff, png, bmp, pgm, wsq) with an optional
// `<finger>_<impression>.iso` beside each. Genuine comparisons: every pair of impressions of a
// finger; impostor comparisons: the first impressions of every two different fingers. A sample
// that fails to enrol is counted in failures_to_enrol and its comparisons score 0 (rejected at
// every positive threshold), as in FVC. Thread-safety: reentrant.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/finger/verification_metrics.h"
#include "abis/modality/engine.h"

namespace abis::finger {

enum class FvcTemplateSource { kOwnExtractor, kIsoTemplates };

struct FvcSample {
  int finger = 0;
  int impression = 0;
  std::filesystem::path path;
};

struct FvcEvaluation {
  std::string extractor;  // "own" or "iso"
  int fingers = 0;
  int samples = 0;
  int failures_to_enrol = 0;
  std::vector<std::string> enrol_errors;  // one line per failure
  ScoreSets scores;
  ErrorRates rates;
  double extraction_seconds = 0;
  double comparison_seconds = 0;
};

// Lists the samples of `folder` for `source`, sorted by finger then impression.
// kNotFound when the folder does not exist or holds no such sample.
Result<std::vector<FvcSample>> ListFvcSamples(const std::filesystem::path& folder, FvcTemplateSource source);

// Extracts every sample with `engine` (threads: 0 = all cores) and runs the protocol.
Result<FvcEvaluation> EvaluateFvcFolder(const std::filesystem::path& folder, const ModalityEngine& engine,
                                        FvcTemplateSource source, unsigned threads = 0);

}  // namespace abis::finger
