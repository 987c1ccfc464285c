// The FVC verification protocol (Maio et al., FVC2002) on an FVC-style folder: files
// `<finger>_<impression>.<ext>` (images: tif, tiff, png, bmp, pgm, wsq) with an optional
// `<finger>_<impression>.iso` beside each. Genuine comparisons: every pair of impressions of a
// finger; impostor comparisons: the first impressions of every two different fingers (or, on
// request, every two impressions of different fingers). A sample
// that fails to enrol is counted in failures_to_enrol and its comparisons score 0 (rejected at
// every positive threshold), as in FVC. Thread-safety: reentrant.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/finger/verification_metrics.h"
#include "abis/modality/engine.h"

namespace abis::finger {

enum class FvcTemplateSource { kOwnExtractor, kIsoTemplates };

// Impostor comparisons: the FVC protocol's first impressions of every two different fingers
// (45 for 10 fingers), or every two impressions of different fingers (45 x 64 = 2,880 for
// 10 fingers x 8 impressions), which resolves error rates 64 times finer on the same folder.
enum class FvcImpostorPairs { kFirstImpressions, kAllImpressions };

struct FvcSample {
  int finger = 0;
  int impression = 0;
  std::filesystem::path path;
};

// The templates of one FVC folder as the protocol takes them, for tools that score them another
// way (bench/finger).
struct FvcTemplateSet {
  std::string extractor;                                    // "own" or "iso"
  std::vector<FvcSample> samples;                           // sorted by finger then impression
  std::vector<std::optional<BiometricTemplate>> templates;  // per sample; empty where it failed to enrol
  std::vector<std::string> errors;  // per sample; why it failed to enrol, empty where it enrolled
  int iso_fitted_to_image = 0;      // see EvaluateFvcFolder
  double extraction_seconds = 0;
};

struct FvcEvaluation {
  std::string extractor;  // "own" or "iso"
  int fingers = 0;
  int samples = 0;
  int failures_to_enrol = 0;
  // .iso records mapped back to the size of the image beside them (see EvaluateFvcFolder).
  int iso_fitted_to_image = 0;
  std::vector<std::string> enrol_errors;  // one line per failure
  std::vector<FvcSample> sample_files;    // sorted by finger then impression
  // The template of each entry of sample_files (empty where it failed to enrol).
  std::vector<std::optional<BiometricTemplate>> templates;
  ScoreSets scores;
  // The two samples (indices into sample_files) of each score, in the order of scores.genuine
  // and scores.impostor.
  std::vector<std::pair<std::size_t, std::size_t>> genuine_pairs, impostor_pairs;
  ErrorRates rates;
  double extraction_seconds = 0;
  double comparison_seconds = 0;
};

// Lists the samples of `folder` for `source`, sorted by finger then impression.
// kNotFound when the folder does not exist or holds no such sample.
Result<std::vector<FvcSample>> ListFvcSamples(const std::filesystem::path& folder, FvcTemplateSource source);

// Extracts (or reads) every sample of `folder` with `engine` (threads: 0 = all cores), as
// EvaluateFvcFolder does before it compares them. A sample that fails to enrol is reported in
// `errors`, not as an error of the call.
Result<FvcTemplateSet> ExtractFvcFolder(const std::filesystem::path& folder, const ModalityEngine& engine,
                                        FvcTemplateSource source, unsigned threads = 0, double scan_resolution_ppi = 0);

// ExtractFvcFolder, then the protocol with the impostor pairs `impostors`.
// scan_resolution_ppi, when > 0, is the resolution of images whose files declare none (passed
// to the engine as the sample option "resolution_ppi"; FVC2002 DB2 needs 569).
// With .iso templates, when the image lies beside a record whose declared size differs from the
// image's (FVC2002's records all declare 300x400 and scale the coordinates to it), the minutiae
// are mapped back to the image's pixels first, and declare scan_resolution_ppi when given (in
// builds with the image extractor; others use the records as they are).
Result<FvcEvaluation> EvaluateFvcFolder(const std::filesystem::path& folder, const ModalityEngine& engine,
                                        FvcTemplateSource source, unsigned threads = 0, double scan_resolution_ppi = 0,
                                        FvcImpostorPairs impostors = FvcImpostorPairs::kFirstImpressions);

}  // namespace abis::finger
