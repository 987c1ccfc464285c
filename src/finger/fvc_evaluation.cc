#include "abis/finger/fvc_evaluation.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <regex>
#include <thread>

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

Result<FvcEvaluation> EvaluateFvcFolder(const std::filesystem::path& folder, const ModalityEngine& engine,
                                        FvcTemplateSource source, unsigned threads) {
  ABIS_ASSIGN_OR_RETURN(const std::vector<FvcSample> samples, ListFvcSamples(folder, source));
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  FvcEvaluation evaluation;
  evaluation.extractor = source == FvcTemplateSource::kIsoTemplates ? "iso" : "own";
  evaluation.samples = static_cast<int>(samples.size());

  std::vector<std::optional<BiometricTemplate>> templates(samples.size());
  std::vector<std::string> errors(samples.size());
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
    sample.format_hint = source == FvcTemplateSource::kIsoTemplates ? "iso19794-2" : "";
    sample.source_name = samples[i].path.string();
    auto extracted = engine.Extract(sample);
    if (extracted.ok()) {
      templates[i] = std::move(extracted).value();
    } else {
      errors[i] = extracted.status().ToString();
    }
  });
  evaluation.extraction_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - extraction_start).count();
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (!templates[i].has_value()) {
      ++evaluation.failures_to_enrol;
      evaluation.enrol_errors.push_back(errors[i]);
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
    for (auto b = std::next(a); b != by_finger.end(); ++b) impostor_pairs.emplace_back(a->second[0], b->second[0]);
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
  return evaluation;
}

}  // namespace abis::finger
