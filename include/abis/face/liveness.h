// Presentation-attack score from fr_liveness.onnx (faceplugin 0.0.1). It is stored with the
// sample for later study and NEVER gates enrolment or search: the model is not validated here
// (no presentation-attack data was available; see docs/MODELS.md).
// Thread-safety: Score() may be called concurrently (serialised internally).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "abis/core/status.h"

namespace abis::face {

class LivenessScorer {
 public:
  // Loads the model after checking its sha256 (kFailedPrecondition on mismatch).
  static Result<std::unique_ptr<LivenessScorer>> Load(const std::filesystem::path& path,
                                                      std::string_view sha256);

  // Softmax over the model's 3 classes for the face `box` of `bgr` (a 2.7x context crop,
  // 128x128, raw 0-255 RGB as the package's lib/fr_liveness.js feeds it).
  Result<std::vector<float>> Score(const cv::Mat& bgr, const cv::Rect2f& box) const;

 private:
  explicit LivenessScorer(cv::dnn::Net net) : net_(std::move(net)) {}
  mutable std::mutex mutex_;
  mutable cv::dnn::Net net_;
};

}  // namespace abis::face
