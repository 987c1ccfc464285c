// Synthetic fingers and datasets (the public side of synth.h).
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "abis/finger_extract/synth.h"
#include "synth/impression.h"
#include "synth/master_fingerprint.h"
#include "synth/random.h"

namespace abis::finger {

std::string_view PatternClassName(PatternClass pattern) {
  switch (pattern) {
    case PatternClass::kArch: return "arch";
    case PatternClass::kTentedArch: return "tented_arch";
    case PatternClass::kLeftLoop: return "left_loop";
    case PatternClass::kRightLoop: return "right_loop";
    case PatternClass::kWhorl: return "whorl";
  }
  return "unknown";
}

SyntheticFinger GenerateSyntheticFinger(std::uint64_t seed, int index, int impressions, SynthImageSize size) {
  synth::Random random(seed, static_cast<std::uint64_t>(index));
  synth::MasterFingerprint master = synth::GenerateMaster(random, size);
  SyntheticFinger finger;
  finger.index = index;
  finger.pattern = master.pattern;
  finger.ridge_wavelength = master.wavelength;
  // Master coordinates expressed in the frame of a centred, unrotated impression.
  for (Minutia m : master.minutiae) {
    m.x -= synth::kMasterMargin;
    m.y -= synth::kMasterMargin;
    finger.master_minutiae.push_back(m);
  }
  for (int k = 0; k < impressions; ++k) {
    finger.impressions.push_back(synth::RenderImpression(random, master, size, k == 0));
  }
  return finger;
}

namespace {

nlohmann::json MinutiaeJson(const std::vector<Minutia>& minutiae) {
  nlohmann::json list = nlohmann::json::array();
  for (const Minutia& m : minutiae) {
    list.push_back({{"x", m.x}, {"y", m.y}, {"angle_degrees", std::round(m.angle * 1800 / M_PI) / 10},
                    {"type", m.type == MinutiaType::kEnding ? "ending" : "bifurcation"}});
  }
  return list;
}

}  // namespace

Status WriteSyntheticDataset(const std::string& dir, const SynthDatasetOptions& options,
                             const std::function<void(int, int)>& progress) {
  if (options.fingers < 1 || options.fingers > 100000) {
    return Status::InvalidArgument("--fingers " + std::to_string(options.fingers) + " outside 1-100000");
  }
  if (options.impressions < 1 || options.impressions > 32) {
    return Status::InvalidArgument("--impressions " + std::to_string(options.impressions) + " outside 1-32");
  }
  if (options.size.width < 128 || options.size.height < 128 || options.size.width > 2048 || options.size.height > 2048) {
    return Status::InvalidArgument("image size outside 128-2048 pixels");
  }
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return Status::IoError(dir + ": cannot create: " + error.message());

  std::vector<nlohmann::json> records(static_cast<std::size_t>(options.fingers));
  std::atomic<int> next{0}, done{0};
  std::mutex failure_mutex;
  Status failure;
  auto work = [&]() {
    for (int index = next++; index < options.fingers; index = next++) {
      SyntheticFinger finger = GenerateSyntheticFinger(options.seed, index, options.impressions, options.size);
      nlohmann::json record = {{"finger", index + 1},
                               {"pattern", PatternClassName(finger.pattern)},
                               {"ridge_wavelength", std::round(finger.ridge_wavelength * 100) / 100},
                               {"master_minutiae", MinutiaeJson(finger.master_minutiae)},
                               {"impressions", nlohmann::json::array()}};
      for (std::size_t k = 0; k < finger.impressions.size(); ++k) {
        const SyntheticImpression& impression = finger.impressions[k];
        std::string file = std::to_string(index + 1) + "_" + std::to_string(k + 1) + ".png";
        Status written = WritePng(impression.image, (std::filesystem::path(dir) / file).string());
        if (!written.ok()) {
          std::lock_guard lock(failure_mutex);
          failure = written;
          return;
        }
        record["impressions"].push_back({{"file", file},
                                         {"rotation_degrees", std::round(impression.rotation_degrees * 100) / 100},
                                         {"shift_x", std::round(impression.shift_x * 100) / 100},
                                         {"shift_y", std::round(impression.shift_y * 100) / 100},
                                         {"minutiae", MinutiaeJson(impression.minutiae)}});
      }
      records[static_cast<std::size_t>(index)] = std::move(record);
      int finished = ++done;
      if (progress) {
        std::lock_guard lock(failure_mutex);
        progress(finished, options.fingers);
      }
    }
  };
  int threads = options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::min(threads, options.fingers);
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& thread : pool) thread.join();
  if (!failure.ok()) return failure;

  nlohmann::json truth = {{"format", "abis-synthetic-fingers"},
                          {"version", 1},
                          {"seed", options.seed},
                          {"width", options.size.width},
                          {"height", options.size.height},
                          {"resolution_ppi", 500},
                          {"angle_convention", "ISO/IEC 19794-2: degrees counter-clockwise from +x, y up"},
                          {"fingers", records}};
  std::string path = (std::filesystem::path(dir) / "ground_truth.json").string();
  std::ofstream out(path);
  out << truth.dump(1) << "\n";
  if (!out) return Status::IoError(path + ": cannot write");
  return Status::Ok();
}

}  // namespace abis::finger
