// The embedding network: an aligned face crop -> an L2-normalised feature vector, run through
// OpenCV DNN from the ONNX file described by an EmbeddingModelSpec.
// Thread-safety: Embed() may be called concurrently (serialised internally).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "abis/core/status.h"
#include "abis/face/model_manifest.h"

namespace abis::face {

class FaceEmbedder {
 public:
  // Loads spec.file from `model_dir` after checking its sha256 (a mismatch is refused with
  // kFailedPrecondition) and checks the output size against spec.embedding_size.
  static Result<std::unique_ptr<FaceEmbedder>> Load(const EmbeddingModelSpec& spec,
                                                    const std::filesystem::path& model_dir);

  const EmbeddingModelSpec& spec() const { return spec_; }

  // REQUIRES: `aligned_bgr` is 8-bit BGR of the spec's input size.
  // Returns spec.embedding_size floats with unit L2 norm.
  Result<std::vector<float>> Embed(const cv::Mat& aligned_bgr) const;

 private:
  FaceEmbedder(EmbeddingModelSpec spec, cv::dnn::Net net) : spec_(std::move(spec)), net_(std::move(net)) {}

  EmbeddingModelSpec spec_;
  mutable std::mutex mutex_;
  mutable cv::dnn::Net net_;
};

// Cosine similarity of two unit vectors of equal length (their dot product).
double CosineSimilarity(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace abis::face
