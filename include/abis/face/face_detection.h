// Face detection and 68-point landmarks (iBUG 300-W numbering, as dlib's shape predictor).
// Two front ends: the ONNX pair fr_detect.onnx (an ultra-light SSD-style detector, 320x240
// input) + fr_landmark.onnx (64x64 grey crop), the default (docs/FACE.md has the measurement
// that chose it), and dlib's HOG frontal detector + 68-point shape predictor.
// Thread-safety: Detect() may be called concurrently; implementations serialise internally.
#pragma once

#include <array>
#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>

#include "abis/core/status.h"

namespace abis::face {

struct DetectedFace {
  cv::Rect2f box;                         // in input image pixels
  float confidence = 0.0f;                // detector-specific scale, higher is more certain
  std::array<cv::Point2f, 68> landmarks;  // in input image pixels
};

enum class FrontEnd { kDlib, kOnnx };

// "dlib" or "onnx".
std::string_view FrontEndName(FrontEnd front_end);
// Accepts "dlib" and "onnx"; anything else is kInvalidArgument.
Result<FrontEnd> ParseFrontEnd(std::string_view name);

class FaceDetector {
 public:
  virtual ~FaceDetector() = default;
  virtual FrontEnd front_end() const = 0;
  // All faces found in `bgr` (8-bit, 3 channels), ordered left to right by box centre.
  // An empty vector means no face was found; errors are only for unusable input.
  virtual Result<std::vector<DetectedFace>> Detect(const cv::Mat& bgr) const = 0;
};

// dlib HOG detector + shape predictor loaded from `shape_predictor_path` (a .dat file; the
// caller has verified its checksum). Small images are upsampled so faces of ~40 px are found.
Result<std::unique_ptr<FaceDetector>> NewDlibFaceDetector(
    const std::filesystem::path& shape_predictor_path);

// fr_detect.onnx + fr_landmark.onnx through OpenCV DNN.
Result<std::unique_ptr<FaceDetector>> NewOnnxFaceDetector(const std::filesystem::path& detector_path,
                                                          const std::filesystem::path& landmark_path);

}  // namespace abis::face
