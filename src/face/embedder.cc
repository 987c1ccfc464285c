#include "abis/face/embedder.h"

#include <cmath>

#include <opencv2/dnn.hpp>

namespace abis::face {

Result<std::unique_ptr<FaceEmbedder>> FaceEmbedder::Load(const EmbeddingModelSpec& spec,
                                                         const std::filesystem::path& model_dir) {
  const std::filesystem::path path = model_dir / spec.file;
  ABIS_RETURN_IF_ERROR(VerifyModelFile(path, spec.sha256));
  cv::dnn::Net net;
  try {
    net = cv::dnn::readNetFromONNX(path.string());
  } catch (const cv::Exception& e) {
    return Status::InvalidArgument("OpenCV DNN could not load " + path.string() + ": " + e.what());
  }
  if (net.empty()) return Status::InvalidArgument("OpenCV DNN could not load " + path.string());
  net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  std::unique_ptr<FaceEmbedder> embedder(new FaceEmbedder(spec, std::move(net)));
  // One forward pass on a grey image proves the declared input and output sizes.
  const cv::Mat probe(spec.input_height, spec.input_width, CV_8UC3, cv::Scalar(128, 128, 128));
  Result<std::vector<float>> check = embedder->Embed(probe);
  if (!check.ok()) return check.status().WithContext("model " + spec.id);
  return embedder;
}

Result<std::vector<float>> FaceEmbedder::Embed(const cv::Mat& aligned_bgr) const {
  if (aligned_bgr.type() != CV_8UC3 || aligned_bgr.cols != spec_.input_width ||
      aligned_bgr.rows != spec_.input_height) {
    return Status::InvalidArgument("embedder input must be 8-bit BGR " + std::to_string(spec_.input_width) + "x" +
                                   std::to_string(spec_.input_height));
  }
  // blobFromImage computes (pixel - mean) * scale after the optional BGR->RGB swap; the mean is
  // given in the model's colour order, which is the order after the swap.
  const cv::Mat blob = cv::dnn::blobFromImage(aligned_bgr, spec_.scale, aligned_bgr.size(),
                                              cv::Scalar(spec_.mean[0], spec_.mean[1], spec_.mean[2]), spec_.rgb,
                                              false, CV_32F);
  cv::Mat output;
  try {
    std::lock_guard<std::mutex> lock(mutex_);
    net_.setInput(blob);
    output = net_.forward().clone();
  } catch (const cv::Exception& e) {
    return Status::Internal("embedding model " + spec_.id + " failed: " + e.what());
  }
  if (static_cast<int>(output.total()) != spec_.embedding_size) {
    return Status::FailedPrecondition("embedding model " + spec_.id + " produced " + std::to_string(output.total()) +
                                      " values; the manifest declares " + std::to_string(spec_.embedding_size));
  }
  std::vector<float> values(output.ptr<float>(), output.ptr<float>() + output.total());
  double norm = 0.0;
  for (float v : values) norm += static_cast<double>(v) * v;
  norm = std::sqrt(norm);
  if (!(norm > 1e-12) || !std::isfinite(norm)) {
    return Status::Internal("embedding model " + spec_.id + " produced a zero or non-finite vector");
  }
  for (float& v : values) v = static_cast<float>(v / norm);
  return values;
}

double CosineSimilarity(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0.0;
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) sum += static_cast<double>(a[i]) * b[i];
  return sum;
}

}  // namespace abis::face
