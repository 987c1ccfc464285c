// The face modality engine: decode -> detect + landmarks -> five-point alignment -> quality
// checks -> embedding (+ stored, non-gating liveness score) -> template; cosine comparison;
// FAISS gallery; calibrated thresholds. Configured from the model manifest, never from code.
// Thread-safety: as ModalityEngine (const methods may be called concurrently).
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abis/face/calibration.h"
#include "abis/face/embedder.h"
#include "abis/face/face_detection.h"
#include "abis/face/face_quality.h"
#include "abis/face/faiss_gallery.h"
#include "abis/face/image_decoding.h"
#include "abis/face/liveness.h"
#include "abis/face/model_manifest.h"
#include "abis/modality/engine.h"

namespace abis::face {

struct FaceEngineOptions {
  std::filesystem::path model_dir;       // where tools/fetch_models.sh put the models
  std::filesystem::path manifest_path;   // empty: DefaultManifestPath(model_dir)
  std::string embedder_id;               // empty: the manifest's first embedder
  FrontEnd front_end = FrontEnd::kOnnx;  // measured better on ORL (docs/FACE.md)
  bool liveness = true;                  // compute and store the (non-gating) liveness score
  QualityLimits quality_limits;
  ImageLimits image_limits = kFaceImageLimits;
  FaissGalleryOptions gallery;

  // Reads {"front_end", "embedder", "liveness", "exact_search_max", "min_inter_eye_distance_px",
  // "min_sharpness", "max_abs_yaw_degrees", "max_abs_pitch_degrees"} over the defaults.
  static Result<FaceEngineOptions> FromSettings(const std::filesystem::path& model_dir, const nlohmann::json& settings);
};

// What the pipeline produced for one accepted face (used by Extract and by evaluation tools).
struct FaceAnalysis {
  std::vector<float> embedding;
  FaceQuality quality;
  DetectedFace face;
  std::size_t faces_found = 0;
  std::vector<float> liveness_softmax;  // empty when liveness is off
  cv::Mat aligned;                      // 8-bit BGR, model input size
};

class FaceEngine : public ModalityEngine {
 public:
  // Loads the manifest and every model it needs, each checked against its sha256. Returns
  // kNotFound (with "run tools/fetch_models.sh") when a model file is missing and
  // kFailedPrecondition when a checksum differs.
  static Result<std::unique_ptr<FaceEngine>> Create(const FaceEngineOptions& options);

  Modality modality() const override { return Modality::kFace; }
  std::string algorithm() const override;
  std::vector<std::string> TemplateOptionKeys() const override { return {"face_index"}; }
  // Sample options: {"face_index": n} picks the n-th face (left to right, from 0) when the image
  // holds several; {"face_index": "largest"} picks the largest. Without it several faces are a
  // "multiple_faces" rejection.
  Result<BiometricTemplate> Extract(const SampleInput& sample) const override;
  // Every detected face, left to right (or only the one face_index picks), with its box, its
  // quality measures and options {"face_index": i}; a face below the quality limits is skipped
  // with its rejection ("too_small", "too_blurred", "off_pose"). No face at all is "no_face".
  // Detection and quality only: no embedding is computed.
  Result<std::vector<SubjectInSample>> FindSubjects(const SampleInput& sample) const override;
  Result<Comparison> Compare(const BiometricTemplate& probe, const BiometricTemplate& reference) const override;
  // The face Extract() would embed (same face_index option), aligned to the model's input
  // (input_width x input_height, five-point similarity transform), as an 8-bit colour PNG.
  // Quality limits are not applied: the examiner sees the crop even of a face Extract() refuses.
  Result<std::vector<std::uint8_t>> PreparedImage(const SampleInput& sample) const override;
  std::unique_ptr<ModalityGallery> NewGallery() const override;
  Result<double> ThresholdForFalseMatchRate(double false_match_rate) const override;

  // The pipeline without template packing. `face_index` < 0: exactly one face required;
  // -2: the largest face.
  Result<FaceAnalysis> Analyse(std::span<const std::uint8_t> bytes, std::string_view source, int face_index) const;

  const EmbeddingModelSpec& model() const { return embedder_->spec(); }
  FrontEnd front_end() const { return detector_->front_end(); }
  const ScoreCalibration* calibration() const { return calibration_.get(); }

  static constexpr int kOnlyFace = -1;
  static constexpr int kLargestFace = -2;

 private:
  explicit FaceEngine(FaceEngineOptions options) : options_(std::move(options)) {}

  struct DetectedFaces {
    cv::Mat image;  // decoded, 8-bit BGR
    std::vector<DetectedFace> faces;
  };
  struct AssessedFace {
    cv::Mat aligned;
    FaceQuality quality;
  };
  // Decodes and detects; no face is a "no_face" rejection.
  Result<DetectedFaces> DetectFaces(std::span<const std::uint8_t> bytes, std::string_view source) const;
  // The face `face_index` (kOnlyFace, kLargestFace or an index) selects among `faces`.
  static Result<std::size_t> ChooseFace(const std::vector<DetectedFace>& faces, int face_index,
                                        std::string_view source);
  // Aligns the face and measures its quality (not checked against the limits).
  Result<AssessedFace> Assess(const cv::Mat& image, const DetectedFace& face) const;

  FaceEngineOptions options_;
  std::unique_ptr<FaceDetector> detector_;
  std::unique_ptr<FaceEmbedder> embedder_;
  std::unique_ptr<LivenessScorer> liveness_;
  std::unique_ptr<ScoreCalibration> calibration_;
};

}  // namespace abis::face
