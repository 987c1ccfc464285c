#include "abis/finger/fvc_evaluation.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <numbers>
#include <optional>
#include <regex>
#include <thread>

#include "abis/finger/minutiae_record.h"

#if defined(ABIS_FINGER_HAVE_EXTRACTOR)
#include "abis/finger_extract/image.h"
#endif

namespace abis::finger {
namespace {

constexpr std::uintmax_t kMaxSampleBytes = 64ull << 20;

Result<std::vector<std::uint8_t>> ReadFile(const std::filesystem::path& path) {
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) return Status::IoError(path.string() + ": " + error.message());
  if (size > kMaxSampleBytes) return Status::InvalidArgument(path.string() + ": file larger than 64 MiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path.string() + ": cannot open");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (!in) return Status::IoError(path.string() + ": read failed");
  return bytes;
}

void ForEachIndex(std::size_t count, unsigned threads, const std::function<void(std::size_t)>& body) {
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < std::max(1u, threads); ++t) {
    workers.emplace_back([&] {
      for (std::size_t i = next++; i < count; i = next++) body(i);
    });
  }
  for (std::thread& worker : workers) worker.join();
}

#if defined(ABIS_FINGER_HAVE_EXTRACTOR)
// The image beside an .iso template (same stem), or an empty path.
std::filesystem::path ImageBeside(const std::filesystem::path& iso_path) {
  for (const char* extension : {".tif", ".tiff", ".png", ".bmp", ".pgm", ".wsq", ".TIF", ".PNG"}) {
    std::filesystem::path candidate = iso_path;
    candidate.replace_extension(extension);
    std::error_code error;
    if (std::filesystem::is_regular_file(candidate, error)) return candidate;
  }
  return {};
}

// FVC2002's .iso files declare a 300x400 image whatever the real size and scale the coordinates
// to it, squeezing distances by up to a third along one axis (DB1 388x374, DB2 296x560, DB3
// 300x300). When the image lies beside the record and its size differs from the declared one,
// the minutiae are mapped back to the image's pixels (directions too) and, when
// scan_resolution_ppi > 0, the record declares that resolution. Sets `fitted` when it changed
// anything; a record without an image beside it is returned as it is.
Result<std::vector<std::uint8_t>> FitIsoRecordToImage(std::vector<std::uint8_t> bytes,
                                                      const std::filesystem::path& iso_path, double scan_resolution_ppi,
                                                      bool& fitted) {
  fitted = false;
  const std::filesystem::path image_path = ImageBeside(iso_path);
  if (image_path.empty()) return bytes;
  ABIS_ASSIGN_OR_RETURN(const GrayImage image, ReadFingerprintImage(image_path.string()));
  ABIS_ASSIGN_OR_RETURN(MinutiaeRecord record,
                        ReadMinutiaeRecord(bytes, MinutiaeRecordFormat::kIso19794_2_2005, iso_path.string()));
  if (record.width <= 0 || record.height <= 0) return bytes;
  const double sx = static_cast<double>(image.width) / record.width;
  const double sy = static_cast<double>(image.height) / record.height;
  const bool resize = record.width != image.width || record.height != image.height;
  const bool declare_resolution = scan_resolution_ppi > 0 && image.resolution_ppi <= 0;
  if (!resize && !declare_resolution) return bytes;
  const int resolution_ppcm =
      declare_resolution ? static_cast<int>(std::lround(scan_resolution_ppi / 2.54)) : record.x_resolution_ppcm;
  record.width = image.width;
  record.height = image.height;
  record.x_resolution_ppcm = record.y_resolution_ppcm = resolution_ppcm;
  for (FingerView& view : record.views) {
    view.minutiae.width = image.width;
    view.minutiae.height = image.height;
    view.minutiae.resolution_ppi = resolution_ppcm * 2.54;
    for (Minutia& minutia : view.minutiae.minutiae) {
      minutia.x = std::clamp(static_cast<int>(std::lround(minutia.x * sx)), 0, image.width - 1);
      minutia.y = std::clamp(static_cast<int>(std::lround(minutia.y * sy)), 0, image.height - 1);
      double angle = std::atan2(std::sin(minutia.angle) * sy, std::cos(minutia.angle) * sx);
      if (angle < 0) angle += 2 * std::numbers::pi;
      minutia.angle = angle >= 2 * std::numbers::pi ? 0.0 : angle;
    }
  }
  fitted = true;
  return WriteMinutiaeRecord(record);
}
#endif

}  // namespace

Result<std::vector<FvcSample>> ListFvcSamples(const std::filesystem::path& folder, FvcTemplateSource source) {
  std::error_code error;
  if (!std::filesystem::is_directory(folder, error)) {
    return Status::NotFound(folder.string() + ": not a folder");
  }
  static const std::regex kImageName(R"((\d+)_(\d+)\.(tif|tiff|png|bmp|pgm|wsq))", std::regex::icase);
  static const std::regex kIsoName(R"((\d+)_(\d+)\.iso)", std::regex::icase);
  const std::regex& pattern = source == FvcTemplateSource::kIsoTemplates ? kIsoName : kImageName;
  std::vector<FvcSample> samples;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    std::smatch match;
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || !std::regex_match(name, match, pattern)) continue;
    if (match[1].length() > 6 || match[2].length() > 6) continue;
    samples.push_back({std::stoi(match[1].str()), std::stoi(match[2].str()), entry.path()});
  }
  if (error) return Status::IoError(folder.string() + ": " + error.message());
  if (samples.empty()) {
    return Status::NotFound(folder.string() + ": no " +
                            (source == FvcTemplateSource::kIsoTemplates ? "<finger>_<impression>.iso templates"
                                                                        : "<finger>_<impression> images"));
  }
  std::sort(samples.begin(), samples.end(), [](const FvcSample& a, const FvcSample& b) {
    return a.finger < b.finger || (a.finger == b.finger && a.impression < b.impression);
  });
  return samples;
}

Result<FvcTemplateSet> ExtractFvcFolder(const std::filesystem::path& folder, const ModalityEngine& engine,
                                        FvcTemplateSource source, unsigned threads, double scan_resolution_ppi) {
  ABIS_ASSIGN_OR_RETURN(const std::vector<FvcSample> samples, ListFvcSamples(folder, source));
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  FvcTemplateSet set;
  set.extractor = source == FvcTemplateSource::kIsoTemplates ? "iso" : "own";
  std::vector<std::optional<BiometricTemplate>> templates(samples.size());
  std::vector<std::string> errors(samples.size());
  std::atomic<int> fitted{0};
  const auto extraction_start = std::chrono::steady_clock::now();
  ForEachIndex(samples.size(), threads, [&](std::size_t i) {
    auto bytes = ReadFile(samples[i].path);
    if (!bytes.ok()) {
      errors[i] = bytes.status().ToString();
      return;
    }
    SampleInput sample;
    sample.modality = Modality::kFinger;
    sample.bytes = std::move(bytes).value();
#if defined(ABIS_FINGER_HAVE_EXTRACTOR)
    if (source == FvcTemplateSource::kIsoTemplates) {
      bool fitted_this = false;
      auto fitted_bytes =
          FitIsoRecordToImage(std::move(sample.bytes), samples[i].path, scan_resolution_ppi, fitted_this);
      if (!fitted_bytes.ok()) {
        errors[i] = fitted_bytes.status().ToString();
        return;
      }
      sample.bytes = std::move(fitted_bytes).value();
      if (fitted_this) ++fitted;
    }
#endif
    sample.format_hint = source == FvcTemplateSource::kIsoTemplates ? "iso19794-2" : "";
    sample.source_name = samples[i].path.string();
    if (source == FvcTemplateSource::kOwnExtractor && scan_resolution_ppi > 0) {
      sample.options["resolution_ppi"] = scan_resolution_ppi;
    }
    auto extracted = engine.Extract(sample);
    if (extracted.ok()) {
      templates[i] = std::move(extracted).value();
    } else {
      errors[i] = extracted.status().ToString();
    }
  });
  set.iso_fitted_to_image = fitted.load();
  set.extraction_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - extraction_start).count();
  set.samples = samples;
  set.templates = std::move(templates);
  set.errors = std::move(errors);
  return set;
}

Result<FvcEvaluation> EvaluateFvcFolder(const std::filesystem::path& folder, const ModalityEngine& engine,
                                        FvcTemplateSource source, unsigned threads, double scan_resolution_ppi,
                                        FvcImpostorPairs impostors) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  ABIS_ASSIGN_OR_RETURN(FvcTemplateSet set, ExtractFvcFolder(folder, engine, source, threads, scan_resolution_ppi));
  const std::vector<FvcSample>& samples = set.samples;
  const std::vector<std::optional<BiometricTemplate>>& templates = set.templates;
  FvcEvaluation evaluation;
  evaluation.extractor = set.extractor;
  evaluation.samples = static_cast<int>(samples.size());
  evaluation.iso_fitted_to_image = set.iso_fitted_to_image;
  evaluation.extraction_seconds = set.extraction_seconds;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (!templates[i].has_value()) {
      ++evaluation.failures_to_enrol;
      evaluation.enrol_errors.push_back(set.errors[i]);
    }
  }

  // Comparison lists per the protocol.
  std::map<int, std::vector<std::size_t>> by_finger;
  for (std::size_t i = 0; i < samples.size(); ++i) by_finger[samples[i].finger].push_back(i);
  evaluation.fingers = static_cast<int>(by_finger.size());
  std::vector<std::pair<std::size_t, std::size_t>> genuine_pairs, impostor_pairs;
  for (const auto& [finger, indices] : by_finger) {
    for (std::size_t a = 0; a < indices.size(); ++a) {
      for (std::size_t b = a + 1; b < indices.size(); ++b) genuine_pairs.emplace_back(indices[a], indices[b]);
    }
  }
  for (auto a = by_finger.begin(); a != by_finger.end(); ++a) {
    for (auto b = std::next(a); b != by_finger.end(); ++b) {
      if (impostors == FvcImpostorPairs::kFirstImpressions) {
        impostor_pairs.emplace_back(a->second[0], b->second[0]);
        continue;
      }
      for (const std::size_t x : a->second) {
        for (const std::size_t y : b->second) impostor_pairs.emplace_back(x, y);
      }
    }
  }
  std::vector<std::pair<std::size_t, std::size_t>> all_pairs = genuine_pairs;
  all_pairs.insert(all_pairs.end(), impostor_pairs.begin(), impostor_pairs.end());
  std::vector<double> scores(all_pairs.size(), 0.0);
  std::vector<std::string> comparison_errors(all_pairs.size());
  const auto comparison_start = std::chrono::steady_clock::now();
  ForEachIndex(all_pairs.size(), threads, [&](std::size_t p) {
    const auto& probe = templates[all_pairs[p].first];
    const auto& reference = templates[all_pairs[p].second];
    if (!probe.has_value() || !reference.has_value()) return;  // failure to enrol: score 0
    auto comparison = engine.Compare(*probe, *reference);
    if (comparison.ok()) {
      scores[p] = comparison->score;
    } else {
      comparison_errors[p] = comparison.status().ToString();
    }
  });
  evaluation.comparison_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - comparison_start).count();
  for (const std::string& error : comparison_errors) {
    if (!error.empty()) return Status::Internal("comparison failed during FVC evaluation: " + error);
  }
  evaluation.scores.genuine.assign(scores.begin(), scores.begin() + static_cast<std::ptrdiff_t>(genuine_pairs.size()));
  evaluation.scores.impostor.assign(scores.begin() + static_cast<std::ptrdiff_t>(genuine_pairs.size()), scores.end());
  if (evaluation.scores.genuine.empty() || evaluation.scores.impostor.empty()) {
    return Status::InvalidArgument(folder.string() + ": needs at least two fingers with two impressions each");
  }
  evaluation.rates = ComputeErrorRates(evaluation.scores);
  evaluation.sample_files = std::move(set.samples);
  evaluation.templates = std::move(set.templates);
  evaluation.genuine_pairs = std::move(genuine_pairs);
  evaluation.impostor_pairs = std::move(impostor_pairs);
  return evaluation;
}

}  // namespace abis::finger
