// A deterministic modality engine for backbone tests: the template is the sample bytes XOR a
// fixed mask (so the plaintext template differs from the sample and both can be searched for in
// the database file); the score is the fraction of equal template bytes.
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "abis/modality/engine.h"

namespace abis::testing {

class TestEngine final : public ModalityEngine {
 public:
  explicit TestEngine(Modality modality = Modality::kFace) : modality_(modality) {}
  Modality modality() const override { return modality_; }
  std::string algorithm() const override { return "test-bytes/1"; }
  // "variant": a stand-in for an option that shapes the template (the bytes are not affected).
  std::vector<std::string> TemplateOptionKeys() const override { return {"variant"}; }

  Result<BiometricTemplate> Extract(const SampleInput& sample) const override {
    if (sample.bytes.size() < 8) return Status::InvalidArgument("test sample shorter than 8 bytes in " + sample.source_name);
    BiometricTemplate out;
    out.modality = modality_;
    out.algorithm = algorithm();
    out.position = sample.position;
    out.data = sample.bytes;
    for (std::size_t i = 0; i < out.data.size(); ++i) out.data[i] ^= static_cast<std::uint8_t>(0x5a + i * 7);
    out.quality = {{"length", sample.bytes.size()}};
    return out;
  }

  Result<Comparison> Compare(const BiometricTemplate& probe, const BiometricTemplate& reference) const override {
    if (probe.algorithm != algorithm() || reference.algorithm != algorithm()) {
      return Status::InvalidArgument("not a test-bytes template");
    }
    std::size_t n = std::min(probe.data.size(), reference.data.size());
    std::size_t same = 0;
    for (std::size_t i = 0; i < n; ++i) same += probe.data[i] == reference.data[i] ? 1 : 0;
    double longest = static_cast<double>(std::max(probe.data.size(), reference.data.size()));
    Comparison comparison;
    comparison.score = longest > 0 ? static_cast<double>(same) / longest : 0.0;
    comparison.log_lr = 20.0 * (comparison.score - 0.5);
    return comparison;
  }

  // A recognisable marker standing in for the biometric detail an examiner sees (tests check it
  // reaches the examiner's page and nothing else).
  Result<nlohmann::json> ExaminerView(const BiometricTemplate& probe, const BiometricTemplate&) const override {
    return nlohmann::json{{"marker", kExaminerViewMarker}, {"probe_length", probe.data.size()}};
  }
  static constexpr const char* kExaminerViewMarker = "examiner-view-only-7f3a9c";

  std::unique_ptr<ModalityGallery> NewGallery() const override { return NewExhaustiveGallery(*this); }
  Result<double> ThresholdForFalseMatchRate(double) const override { return 0.9; }

 private:
  Modality modality_;
};

// Random bytes with a recognisable prefix, long enough that a grep for them cannot hit by chance.
inline std::vector<std::uint8_t> RandomSample(std::uint32_t seed, std::size_t size = 2048) {
  std::mt19937 random(seed);
  std::vector<std::uint8_t> bytes(size);
  for (auto& byte : bytes) byte = static_cast<std::uint8_t>(random());
  return bytes;
}

// True when `needle` occurs anywhere in the file.
inline bool FileContains(const std::filesystem::path& file, const std::vector<std::uint8_t>& needle) {
  std::ifstream in(file, std::ios::binary);
  std::vector<std::uint8_t> content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return std::search(content.begin(), content.end(), needle.begin(), needle.end()) != content.end();
}

// A fresh empty folder under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir() {
    std::random_device device;
    path_ = std::filesystem::temp_directory_path() / ("abis-test-" + std::to_string(device()) + std::to_string(device()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace abis::testing
