// Accuracy evaluation of the face engine over a folder-per-identity image set, and the error
// rates computed from genuine/impostor score lists (EER, TAR at FAR, DET curve and score
// histograms as SVG).
// Thread-safety: free functions; EvaluateFolder uses the engine's thread-safe methods.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "abis/core/status.h"
#include "abis/face/face_engine.h"

namespace abis::face {

struct ErrorRates {
  double eer = 0.0;
  double eer_threshold = 0.0;
  // TAR at the smallest threshold whose measured FAR <= target; -1 when the impostor count is
  // too small to measure the target at all (fewer than 1/target impostor pairs).
  double tar_at_far_1e_2 = -1.0;
  double tar_at_far_1e_3 = -1.0;
  double tar_at_far_1e_4 = -1.0;
};

// REQUIRES non-empty lists. Higher scores mean "more similar".
ErrorRates ComputeErrorRates(std::vector<double> genuine, std::vector<double> impostor);

// Best single-threshold accuracy over labelled pairs; failed pairs (NaN scores) count as wrong.
double BestThresholdAccuracy(const std::vector<double>& scores, const std::vector<bool>& same);

// DET curve (FNMR vs FMR on NIST's normal-deviate axes, EER marked) as a standalone SVG document
// (abis/core/evaluation_plots.h). InvalidArgument when a list is empty or holds NaN.
Result<std::string> DetCurveSvg(const std::vector<double>& genuine, const std::vector<double>& impostor,
                                const std::string& title);

// Histograms of the genuine and impostor cosine similarities as a standalone SVG document.
// InvalidArgument when both lists are empty or a score is not finite.
Result<std::string> ScoreHistogramSvg(const std::vector<double>& genuine, const std::vector<double>& impostor,
                                      const std::string& title);

struct EvaluationOptions {
  std::filesystem::path dir;
  std::filesystem::path pairs_csv;      // empty: all genuine pairs + sampled impostors
  std::size_t max_impostor_pairs = 200'000;
  std::uint64_t seed = 20240601;
};

struct EvaluationResult {
  nlohmann::json summary;             // the JSON the CLI prints
  std::vector<double> genuine;        // scores of enrolled genuine pairs
  std::vector<double> impostor;
};

// Enrols every image under options.dir (one sub-folder per identity), scores the pairs and
// summarises. kInvalidArgument for a missing/empty folder or a malformed pairs CSV.
Result<EvaluationResult> EvaluateFolder(const FaceEngine& engine, const EvaluationOptions& options);

}  // namespace abis::face
