#include "abis/face/liveness.h"

#include <algorithm>
#include <cmath>

#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "abis/face/model_manifest.h"

namespace abis::face {

Result<std::unique_ptr<LivenessScorer>> LivenessScorer::Load(const std::filesystem::path& path,
                                                             std::string_view sha256) {
  ABIS_RETURN_IF_ERROR(VerifyModelFile(path, sha256));
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(path.string());
    if (net.empty()) return Status::InvalidArgument("OpenCV DNN could not load " + path.string());
    return std::unique_ptr<LivenessScorer>(new LivenessScorer(std::move(net)));
  } catch (const cv::Exception& e) {
    return Status::InvalidArgument("OpenCV DNN could not load " + path.string() + ": " + e.what());
  }
}

Result<std::vector<float>> LivenessScorer::Score(const cv::Mat& bgr, const cv::Rect2f& box) const {
  if (bgr.empty() || bgr.type() != CV_8UC3) return Status::InvalidArgument("liveness needs 8-bit BGR");
  // The 2.7x context box, shrunk to fit the image, as lib/fr_liveness.js crops it.
  const double box_width = std::max(1.0, static_cast<double>(box.width));
  const double box_height = std::max(1.0, static_cast<double>(box.height));
  const double scale = std::min({2.7, (bgr.rows - 1) / box_height, (bgr.cols - 1) / box_width});
  const double w = box.width * scale;
  const double h = box.height * scale;
  double x = box.x + box.width / 2.0 - w / 2.0;
  double y = box.y + box.height / 2.0 - h / 2.0;
  x = std::clamp(x, 0.0, std::max(0.0, bgr.cols - 1 - w));
  y = std::clamp(y, 0.0, std::max(0.0, bgr.rows - 1 - h));
  const cv::Rect crop = cv::Rect(static_cast<int>(x), static_cast<int>(y), std::max(1, static_cast<int>(w)),
                                 std::max(1, static_cast<int>(h))) &
                        cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (crop.area() <= 0) return Status::InvalidArgument("face box outside the image");
  const cv::Mat blob = cv::dnn::blobFromImage(bgr(crop), 1.0, cv::Size(128, 128), cv::Scalar(), true, false);
  cv::Mat output;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    net_.setInput(blob);
    output = net_.forward().clone();
  }
  std::vector<float> logits(output.ptr<float>(), output.ptr<float>() + output.total());
  if (logits.empty()) return Status::Internal("liveness model produced no output");
  const float top = *std::max_element(logits.begin(), logits.end());
  double sum = 0.0;
  for (float& v : logits) {
    v = std::exp(v - top);
    sum += v;
  }
  for (float& v : logits) v = static_cast<float>(v / sum);
  return logits;
}

}  // namespace abis::face
