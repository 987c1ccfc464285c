#include "abis/face/evaluation.h"

#include "abis/core/evaluation_plots.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

namespace abis::face {
namespace {

namespace fs = std::filesystem;

// Fraction of `sorted_ascending` values >= threshold.
double FractionAtOrAbove(const std::vector<double>& sorted_ascending, double threshold) {
  const auto it = std::lower_bound(sorted_ascending.begin(), sorted_ascending.end(), threshold);
  return static_cast<double>(sorted_ascending.end() - it) / static_cast<double>(sorted_ascending.size());
}

double TarAtFar(const std::vector<double>& genuine, const std::vector<double>& impostor_ascending, double far) {
  const double n = static_cast<double>(impostor_ascending.size());
  if (n * far < 1.0) return -1.0;
  // Allowed false matches; the threshold lies just above the (allowed + 1)-th highest impostor.
  const auto allowed = static_cast<std::size_t>(std::floor(far * n));
  const double bound = impostor_ascending[impostor_ascending.size() - 1 - allowed];
  const auto it = std::upper_bound(genuine.begin(), genuine.end(), bound);
  return static_cast<double>(genuine.end() - it) / static_cast<double>(genuine.size());
}

std::vector<std::uint8_t> ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string Trim(std::string text) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  text.erase(text.begin(), std::find_if(text.begin(), text.end(), not_space));
  text.erase(std::find_if(text.rbegin(), text.rend(), not_space).base(), text.end());
  return text;
}

struct Enrolment {
  std::vector<float> embedding;  // empty when enrolment failed
  std::string failure;
};

class EnrolmentCache {
 public:
  explicit EnrolmentCache(const FaceEngine& engine) : engine_(engine) {}
  const Enrolment& Get(const fs::path& path) {
    auto found = cache_.find(path.string());
    if (found != cache_.end()) return found->second;
    Enrolment enrolment;
    const auto start = std::chrono::steady_clock::now();
    const std::vector<std::uint8_t> bytes = ReadAll(path);
    if (bytes.empty()) {
      enrolment.failure = path.string() + ": unreadable or empty file";
    } else {
      Result<FaceAnalysis> analysis = engine_.Analyse(bytes, path.string(), FaceEngine::kOnlyFace);
      if (analysis.ok()) {
        enrolment.embedding = std::move(analysis->embedding);
      } else {
        enrolment.failure = analysis.status().message();
      }
    }
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return cache_.emplace(path.string(), std::move(enrolment)).first->second;
  }
  double seconds() const { return seconds_; }
  std::size_t size() const { return cache_.size(); }
  nlohmann::json Failures() const {
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& [path, enrolment] : cache_) {
      if (enrolment.embedding.empty()) failures.push_back({{"image", path}, {"reason", enrolment.failure}});
    }
    return failures;
  }

 private:
  const FaceEngine& engine_;
  std::map<std::string, Enrolment> cache_;
  double seconds_ = 0.0;
};

// Rounds to the nearest multiple of `unit` (a power of ten below 1), exactly representable.
double Round(double value, double unit) {
  const double inverse = std::round(1.0 / unit);
  return std::round(value * inverse) / inverse;
}

nlohmann::json RatesJson(const ErrorRates& rates) {
  auto tar = [](double v) { return v < 0 ? nlohmann::json(nullptr) : nlohmann::json(Round(v, 1e-6)); };
  return {{"eer", Round(rates.eer, 1e-6)},
          {"eer_threshold", Round(rates.eer_threshold, 1e-5)},
          {"tar_at_far_1e-2", tar(rates.tar_at_far_1e_2)},
          {"tar_at_far_1e-3", tar(rates.tar_at_far_1e_3)},
          {"tar_at_far_1e-4", tar(rates.tar_at_far_1e_4)}};
}

}  // namespace

ErrorRates ComputeErrorRates(std::vector<double> genuine, std::vector<double> impostor) {
  ErrorRates rates;
  if (genuine.empty() || impostor.empty()) return rates;
  std::sort(genuine.begin(), genuine.end());
  std::sort(impostor.begin(), impostor.end());
  // EER: the threshold minimising max(FMR, FNMR) over all observed scores.
  std::vector<double> thresholds = genuine;
  thresholds.insert(thresholds.end(), impostor.begin(), impostor.end());
  thresholds.push_back(std::nextafter(std::max(genuine.back(), impostor.back()), 2.0));
  rates.eer = 1.0;
  for (double t : thresholds) {
    const double fmr = FractionAtOrAbove(impostor, t);
    const double fnmr = 1.0 - FractionAtOrAbove(genuine, t);
    const double worst = std::max(fmr, fnmr);
    if (worst < rates.eer) {
      rates.eer = worst;
      rates.eer_threshold = t;
    }
  }
  rates.tar_at_far_1e_2 = TarAtFar(genuine, impostor, 1e-2);
  rates.tar_at_far_1e_3 = TarAtFar(genuine, impostor, 1e-3);
  rates.tar_at_far_1e_4 = TarAtFar(genuine, impostor, 1e-4);
  return rates;
}

double BestThresholdAccuracy(const std::vector<double>& scores, const std::vector<bool>& same) {
  if (scores.empty() || scores.size() != same.size()) return 0.0;
  std::vector<std::pair<double, bool>> valid;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (!std::isnan(scores[i])) valid.emplace_back(scores[i], same[i]);
  }
  std::sort(valid.begin(), valid.end());
  // Threshold below everything: every valid "same" pair is right.
  std::size_t correct = 0;
  for (const auto& [score, is_same] : valid) correct += is_same ? 1 : 0;
  std::size_t best = correct;
  for (std::size_t i = 0; i < valid.size(); ++i) {
    // Moving the threshold above valid[i]: it becomes a non-match.
    correct += valid[i].second ? -1 : 1;
    if (i + 1 == valid.size() || valid[i + 1].first != valid[i].first) best = std::max(best, correct);
  }
  return static_cast<double>(best) / static_cast<double>(scores.size());
}

Result<std::string> DetCurveSvg(const std::vector<double>& genuine, const std::vector<double>& impostor,
                                const std::string& title) {
  ABIS_ASSIGN_OR_RETURN(std::vector<DetPoint> points, DetPointsFromScores(genuine, impostor, "eval face DET"));
  const ErrorRates rates = ComputeErrorRates(genuine, impostor);
  const std::string name = std::to_string(genuine.size()) + " genuine, " + std::to_string(impostor.size()) + " impostor";
  return RenderDetSvg({{name, std::move(points), rates.eer}}, title);
}

Result<std::string> ScoreHistogramSvg(const std::vector<double>& genuine, const std::vector<double>& impostor,
                                      const std::string& title) {
  HistogramOptions options;
  options.score_label = "Cosine similarity";
  return RenderScoreHistogramSvg(genuine, impostor, title, options);
}

Result<EvaluationResult> EvaluateFolder(const FaceEngine& engine, const EvaluationOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(options.dir, ec)) {
    return Status::InvalidArgument("eval face: --dir " + options.dir.string() + " is not a folder");
  }
  const auto start = std::chrono::steady_clock::now();
  EnrolmentCache cache(engine);
  EvaluationResult result;
  nlohmann::json& summary = result.summary;
  summary["model"] = engine.algorithm();
  summary["front_end"] = std::string(FrontEndName(engine.front_end()));
  summary["dir"] = options.dir.string();

  if (options.pairs_csv.empty()) {
    // One sub-folder per identity, every regular file in it an image.
    std::vector<std::vector<fs::path>> identities;
    std::vector<fs::path> folders;
    for (const auto& entry : fs::directory_iterator(options.dir, ec)) {
      if (entry.is_directory()) folders.push_back(entry.path());
    }
    std::sort(folders.begin(), folders.end());
    std::size_t images = 0;
    for (const fs::path& folder : folders) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(folder, ec)) {
        if (entry.is_regular_file() && entry.path().filename().string().rfind('.', 0) != 0 &&
            entry.path().extension() != ".md" && entry.path().extension() != ".txt") {
          files.push_back(entry.path());
        }
      }
      std::sort(files.begin(), files.end());
      images += files.size();
      if (!files.empty()) identities.push_back(std::move(files));
    }
    if (identities.size() < 2) {
      return Status::InvalidArgument("eval face: " + options.dir.string() +
                                     " needs at least two sub-folders (one per identity) with images");
    }
    // Enrol every image; only enrolled images form pairs.
    std::vector<std::vector<const std::vector<float>*>> enrolled(identities.size());
    std::size_t failures = 0;
    for (std::size_t i = 0; i < identities.size(); ++i) {
      for (const fs::path& image : identities[i]) {
        const Enrolment& e = cache.Get(image);
        if (e.embedding.empty()) {
          ++failures;
        } else {
          enrolled[i].push_back(&e.embedding);
        }
      }
    }
    for (const auto& person : enrolled) {
      for (std::size_t a = 0; a < person.size(); ++a) {
        for (std::size_t b = a + 1; b < person.size(); ++b) {
          result.genuine.push_back(CosineSimilarity(*person[a], *person[b]));
        }
      }
    }
    // Impostor pairs: all of them when few enough, else a seeded sample without repetition.
    std::vector<std::pair<std::size_t, std::size_t>> flat;  // (identity, index) of every enrolled image
    for (std::size_t i = 0; i < enrolled.size(); ++i) {
      for (std::size_t k = 0; k < enrolled[i].size(); ++k) flat.emplace_back(i, k);
    }
    std::size_t all_impostor = 0;
    for (std::size_t i = 0; i < enrolled.size(); ++i) {
      for (std::size_t j = i + 1; j < enrolled.size(); ++j) all_impostor += enrolled[i].size() * enrolled[j].size();
    }
    auto score = [&](std::size_t x, std::size_t y) {
      return CosineSimilarity(*enrolled[flat[x].first][flat[x].second], *enrolled[flat[y].first][flat[y].second]);
    };
    if (all_impostor <= options.max_impostor_pairs) {
      for (std::size_t x = 0; x < flat.size(); ++x) {
        for (std::size_t y = x + 1; y < flat.size(); ++y) {
          if (flat[x].first != flat[y].first) result.impostor.push_back(score(x, y));
        }
      }
    } else {
      std::mt19937_64 random(options.seed);
      std::uniform_int_distribution<std::size_t> pick(0, flat.size() - 1);
      std::set<std::pair<std::size_t, std::size_t>> seen;
      while (result.impostor.size() < options.max_impostor_pairs) {
        std::size_t x = pick(random);
        std::size_t y = pick(random);
        if (flat[x].first == flat[y].first) continue;
        if (x > y) std::swap(x, y);
        if (!seen.insert({x, y}).second) continue;
        result.impostor.push_back(score(x, y));
      }
    }
    summary["identities"] = identities.size();
    summary["images"] = images;
    summary["failures_to_enrol"] = failures;
    summary["failure_to_enrol_rate"] = images ? Round(static_cast<double>(failures) / images, 1e-6) : 0.0;
  } else {
    std::ifstream csv(options.pairs_csv);
    if (!csv) return Status::InvalidArgument("eval face: cannot read --pairs-csv " + options.pairs_csv.string());
    std::string line;
    if (!std::getline(csv, line) || Trim(line) != "a,b,same") {
      return Status::InvalidArgument("eval face: " + options.pairs_csv.string() + " must start with the header a,b,same");
    }
    std::vector<double> scores;
    std::vector<bool> same;
    std::size_t line_number = 1;
    std::size_t pair_failures = 0;
    while (std::getline(csv, line)) {
      ++line_number;
      if (Trim(line).empty()) continue;
      std::vector<std::string> fields;
      std::stringstream split(line);
      std::string field;
      while (std::getline(split, field, ',')) fields.push_back(Trim(field));
      if (fields.size() != 3) {
        return Status::InvalidArgument("eval face: " + options.pairs_csv.string() + " line " +
                                       std::to_string(line_number) + ": expected 3 fields a,b,same");
      }
      bool is_same;
      if (fields[2] == "yes" || fields[2] == "1") {
        is_same = true;
      } else if (fields[2] == "no" || fields[2] == "0") {
        is_same = false;
      } else {
        return Status::InvalidArgument("eval face: " + options.pairs_csv.string() + " line " +
                                       std::to_string(line_number) + ": same must be yes/no or 1/0, got '" +
                                       fields[2] + "'");
      }
      const Enrolment& a = cache.Get(options.dir / fields[0]);
      const Enrolment& b = cache.Get(options.dir / fields[1]);
      double s = std::nan("");
      if (!a.embedding.empty() && !b.embedding.empty()) {
        s = CosineSimilarity(a.embedding, b.embedding);
        (is_same ? result.genuine : result.impostor).push_back(s);
      } else {
        ++pair_failures;
      }
      scores.push_back(s);
      same.push_back(is_same);
    }
    if (scores.empty()) return Status::InvalidArgument("eval face: " + options.pairs_csv.string() + " lists no pairs");
    summary["pairs"] = scores.size();
    summary["pair_failures"] = pair_failures;
    summary["accuracy"] = Round(BestThresholdAccuracy(scores, same), 1e-6);
    std::size_t failed_images = 0;
    for (const auto& failure : cache.Failures()) failed_images += failure.is_object() ? 1 : 0;
    summary["images"] = cache.size();
    summary["failures_to_enrol"] = failed_images;
  }
  summary["genuine"] = result.genuine.size();
  summary["impostor"] = result.impostor.size();
  if (!result.genuine.empty() && !result.impostor.empty()) {
    summary.update(RatesJson(ComputeErrorRates(result.genuine, result.impostor)));
  } else {
    summary.update({{"eer", nullptr}, {"tar_at_far_1e-3", nullptr}});
  }
  summary["failures"] = cache.Failures();
  summary["ms_per_image"] = cache.size() ? Round(cache.seconds() * 1000.0 / cache.size(), 0.01) : 0.0;
  summary["seconds"] =
      Round(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 0.01);
  return result;
}

}  // namespace abis::face
