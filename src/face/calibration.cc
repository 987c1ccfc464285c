#include "abis/face/calibration.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

namespace abis::face {
namespace {

constexpr double kGridLow = -1.0;
constexpr double kGridStep = 0.005;
constexpr int kGridPoints = 401;           // -1.0 .. 1.0
constexpr std::size_t kMinTailCount = 10;  // impostors above a score for an empirical FMR
constexpr double kMinFmr = 1e-12;
constexpr double kMaxLogLr = 20.0;

double GaussianTail(double score, double mean, double sd) {
  return 0.5 * std::erfc((score - mean) / (sd * std::sqrt(2.0)));
}

double LogGaussianDensity(double x, double mean, double sd) {
  const double z = (x - mean) / sd;
  return -0.5 * z * z - std::log(sd);
}

void MeanAndDeviation(const std::vector<double>& values, double* mean, double* sd) {
  *mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  double sum = 0.0;
  for (double v : values) sum += (v - *mean) * (v - *mean);
  *sd = std::max(1e-3, std::sqrt(sum / std::max<double>(1.0, static_cast<double>(values.size()) - 1.0)));
}

double Interpolate(const std::vector<double>& xs, const std::vector<double>& ys, double x, bool log_y) {
  if (x <= xs.front()) return ys.front();
  if (x >= xs.back()) return ys.back();
  const auto upper = std::upper_bound(xs.begin(), xs.end(), x);
  const std::size_t i = static_cast<std::size_t>(upper - xs.begin());
  const double t = (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
  if (log_y) return std::exp(std::log(ys[i - 1]) * (1 - t) + std::log(ys[i]) * t);
  return ys[i - 1] * (1 - t) + ys[i] * t;
}

}  // namespace

Result<ScoreCalibration> ScoreCalibration::FromScores(std::string model_id, std::string measured_on,
                                                      std::vector<double> genuine, std::vector<double> impostor) {
  if (impostor.size() < 2 || genuine.size() < 2) {
    return Status::InvalidArgument("calibration needs at least 2 genuine and 2 impostor scores");
  }
  ScoreCalibration c;
  c.model_id_ = std::move(model_id);
  c.measured_on_ = std::move(measured_on);
  c.genuine_count_ = genuine.size();
  c.impostor_count_ = impostor.size();
  MeanAndDeviation(impostor, &c.impostor_mean_, &c.impostor_sd_);
  MeanAndDeviation(genuine, &c.genuine_mean_, &c.genuine_sd_);
  std::sort(impostor.begin(), impostor.end());
  const double n = static_cast<double>(impostor.size());
  double tail_scale = 0.0;  // empirical / Gaussian at the last empirical grid point
  for (int i = 0; i < kGridPoints; ++i) {
    const double score = kGridLow + kGridStep * i;
    const auto above = static_cast<std::size_t>(impostor.end() - std::lower_bound(impostor.begin(), impostor.end(), score));
    double fmr;
    if (above >= kMinTailCount) {
      fmr = static_cast<double>(above) / n;
      tail_scale = fmr / std::max(kMinFmr, GaussianTail(score, c.impostor_mean_, c.impostor_sd_));
    } else {
      fmr = GaussianTail(score, c.impostor_mean_, c.impostor_sd_) * (tail_scale > 0 ? tail_scale : 1.0);
    }
    if (!c.fmr_.empty()) fmr = std::min(fmr, c.fmr_.back());
    c.scores_.push_back(score);
    c.fmr_.push_back(std::max(kMinFmr, fmr));
  }
  return c;
}

Result<ScoreCalibration> ScoreCalibration::FromJson(const nlohmann::json& json, std::string_view source) {
  const std::string where(source);
  if (!json.is_object() || json.value("format", "") != "abis-face-calibration/1") {
    return Status::InvalidArgument(where + ": not a face calibration table (format abis-face-calibration/1)");
  }
  ScoreCalibration c;
  try {
    c.model_id_ = json.at("model").get<std::string>();
    c.measured_on_ = json.at("measured_on").get<std::string>();
    c.genuine_count_ = json.at("genuine_pairs").get<std::size_t>();
    c.impostor_count_ = json.at("impostor_pairs").get<std::size_t>();
    c.impostor_mean_ = json.at("impostor_gaussian").at("mean").get<double>();
    c.impostor_sd_ = json.at("impostor_gaussian").at("sd").get<double>();
    c.genuine_mean_ = json.at("genuine_gaussian").at("mean").get<double>();
    c.genuine_sd_ = json.at("genuine_gaussian").at("sd").get<double>();
    for (const auto& row : json.at("fmr_table")) {
      c.scores_.push_back(row.at(0).get<double>());
      c.fmr_.push_back(row.at(1).get<double>());
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(where + ": malformed calibration table: " + e.what());
  }
  if (c.scores_.size() < 2 || c.impostor_sd_ <= 0 || c.genuine_sd_ <= 0) {
    return Status::InvalidArgument(where + ": calibration table needs >= 2 rows and positive deviations");
  }
  for (std::size_t i = 1; i < c.scores_.size(); ++i) {
    if (!(c.scores_[i] > c.scores_[i - 1]) || c.fmr_[i] > c.fmr_[i - 1] || !(c.fmr_[i] > 0)) {
      return Status::InvalidArgument(where + ": calibration table row " + std::to_string(i) +
                                     " is not ascending in score with non-increasing positive FMR");
    }
  }
  return c;
}

Result<ScoreCalibration> ScoreCalibration::Load(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return Status::IoError("cannot read calibration table " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, false);
  if (json.is_discarded()) return Status::InvalidArgument(path.string() + ": not valid JSON");
  return FromJson(json, path.string());
}

nlohmann::json ScoreCalibration::ToJson() const {
  nlohmann::json table = nlohmann::json::array();
  for (std::size_t i = 0; i < scores_.size(); ++i) {
    table.push_back({std::round(scores_[i] * 1e4) / 1e4, fmr_[i]});
  }
  return {{"format", "abis-face-calibration/1"},
          {"model", model_id_},
          {"measured_on", measured_on_},
          {"genuine_pairs", genuine_count_},
          {"impostor_pairs", impostor_count_},
          {"empirical_down_to_fmr", static_cast<double>(kMinTailCount) / static_cast<double>(impostor_count_)},
          {"extrapolation", "below empirical_down_to_fmr: Gaussian fitted to the impostor scores, scaled to "
                            "meet the empirical tail"},
          {"impostor_gaussian", {{"mean", impostor_mean_}, {"sd", impostor_sd_}}},
          {"genuine_gaussian", {{"mean", genuine_mean_}, {"sd", genuine_sd_}}},
          {"fmr_table", table}};
}

double ScoreCalibration::FalseMatchRate(double score) const {
  if (std::isnan(score)) return 1.0;
  return std::max(kMinFmr, Interpolate(scores_, fmr_, score, /*log_y=*/true));
}

Result<double> ScoreCalibration::ThresholdForFalseMatchRate(double false_match_rate) const {
  if (!(false_match_rate > 0.0 && false_match_rate < 1.0)) {
    return Status::InvalidArgument("false-match rate must be in (0, 1), got " + std::to_string(false_match_rate));
  }
  if (false_match_rate < fmr_.back()) {
    return Status::InvalidArgument("false-match rate " + std::to_string(false_match_rate) +
                                   " is below what the calibration table can express (" + std::to_string(fmr_.back()) +
                                   ")");
  }
  for (std::size_t i = 0; i < scores_.size(); ++i) {
    if (fmr_[i] <= false_match_rate) {
      if (i == 0) return scores_[0];
      // Log-linear interpolation between rows i-1 and i.
      const double a = std::log(fmr_[i - 1]);
      const double b = std::log(fmr_[i]);
      const double t = b == a ? 1.0 : (std::log(false_match_rate) - a) / (b - a);
      return scores_[i - 1] + t * (scores_[i] - scores_[i - 1]);
    }
  }
  return scores_.back();
}

double ScoreCalibration::LogLikelihoodRatio(double score) const {
  if (std::isnan(score)) return -kMaxLogLr;
  // Gaussian densities; monotone by construction outside the interval between the means.
  const double s = std::clamp(score, -1.0, 1.0);
  const double pivot = std::clamp(s, impostor_mean_, genuine_mean_);
  auto llr = [&](double x) {
    return LogGaussianDensity(x, genuine_mean_, genuine_sd_) - LogGaussianDensity(x, impostor_mean_, impostor_sd_);
  };
  double value = llr(pivot);
  if (s < impostor_mean_) value = std::min(value, llr(s));
  if (s > genuine_mean_) value = std::max(value, llr(s));
  return std::clamp(value, -kMaxLogLr, kMaxLogLr);
}

}  // namespace abis::face
