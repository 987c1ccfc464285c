// Score calibration: raw cosine similarity -> estimated false-match rate (from a measured
// impostor distribution) and log-likelihood ratio (genuine vs impostor densities). Tables are
// produced by `abis eval face --calibration-out FILE` and shipped in models/.
// Thread-safety: immutable after construction.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "abis/core/status.h"

namespace abis::face {

class ScoreCalibration {
 public:
  // Builds a table from measured scores. REQUIRES non-empty impostor scores.
  // Beyond the empirical range (fewer than `min_tail_count` impostors above a score) the FMR
  // follows a Gaussian fitted to the impostor scores, flagged as extrapolated in the table.
  static Result<ScoreCalibration> FromScores(std::string model_id, std::string measured_on,
                                             std::vector<double> genuine, std::vector<double> impostor);
  static Result<ScoreCalibration> FromJson(const nlohmann::json& json, std::string_view source);
  static Result<ScoreCalibration> Load(const std::filesystem::path& path);

  nlohmann::json ToJson() const;
  const std::string& model_id() const { return model_id_; }

  // Estimated probability that an impostor comparison scores >= `score`, in [1e-12, 1].
  double FalseMatchRate(double score) const;
  // The smallest raw score whose estimated FMR is <= `false_match_rate`.
  // kInvalidArgument unless 0 < false_match_rate < 1.
  Result<double> ThresholdForFalseMatchRate(double false_match_rate) const;
  // Natural-log likelihood ratio (same source vs different sources), clamped to [-20, 20].
  double LogLikelihoodRatio(double score) const;

 private:
  std::string model_id_;
  std::string measured_on_;
  std::size_t genuine_count_ = 0;
  std::size_t impostor_count_ = 0;
  double impostor_mean_ = 0.0;
  double impostor_sd_ = 1.0;
  double genuine_mean_ = 1.0;
  double genuine_sd_ = 1.0;
  // Ascending scores with their FMR (non-increasing); empirical where >= min tail count.
  std::vector<double> scores_;
  std::vector<double> fmr_;
};

}  // namespace abis::face
