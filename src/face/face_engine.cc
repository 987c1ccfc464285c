#include "abis/face/face_engine.h"

#include <cmath>
#include <opencv2/imgcodecs.hpp>

#include "abis/face/alignment.h"
#include "abis/face/face_template.h"

namespace abis::face {
namespace {

Result<double> NumberSetting(const nlohmann::json& settings, const char* key, double fallback, double low,
                             double high) {
  if (!settings.contains(key)) return fallback;
  if (!settings[key].is_number())
    return Status::InvalidArgument(std::string("face setting '") + key + "' must be a number");
  const double value = settings[key].get<double>();
  if (!(value >= low && value <= high)) {
    return Status::InvalidArgument(std::string("face setting '") + key + "' = " + std::to_string(value) +
                                   " is outside " + std::to_string(low) + ".." + std::to_string(high));
  }
  return value;
}

Result<int> FaceIndexOption(const SampleInput& sample) {
  if (!sample.options.is_object() || !sample.options.contains("face_index")) return FaceEngine::kOnlyFace;
  const nlohmann::json& value = sample.options["face_index"];
  if (value.is_string() && value.get<std::string>() == "largest") return FaceEngine::kLargestFace;
  if (value.is_number_integer() && value.get<std::int64_t>() >= 0 && value.get<std::int64_t>() < 1000) {
    return static_cast<int>(value.get<std::int64_t>());
  }
  return Status::InvalidArgument(sample.source_name + ": option face_index must be an integer >= 0 or \"largest\"");
}

}  // namespace

Result<FaceEngineOptions> FaceEngineOptions::FromSettings(const std::filesystem::path& model_dir,
                                                          const nlohmann::json& settings) {
  FaceEngineOptions options;
  options.model_dir = model_dir;
  if (!settings.is_object()) return Status::InvalidArgument("face settings must be a JSON object");
  if (settings.contains("front_end")) {
    if (!settings["front_end"].is_string()) return Status::InvalidArgument("face setting 'front_end' must be a string");
    ABIS_ASSIGN_OR_RETURN(options.front_end, ParseFrontEnd(settings["front_end"].get<std::string>()));
  }
  if (settings.contains("embedder")) {
    if (!settings["embedder"].is_string()) return Status::InvalidArgument("face setting 'embedder' must be a string");
    options.embedder_id = settings["embedder"].get<std::string>();
  }
  if (settings.contains("liveness")) {
    if (!settings["liveness"].is_boolean())
      return Status::InvalidArgument("face setting 'liveness' must be true/false");
    options.liveness = settings["liveness"].get<bool>();
  }
  ABIS_ASSIGN_OR_RETURN(
      const double exact_max,
      NumberSetting(settings, "exact_search_max", static_cast<double>(options.gallery.exact_search_max), 0, 1e10));
  options.gallery.exact_search_max = static_cast<std::size_t>(exact_max);
  QualityLimits& q = options.quality_limits;
  ABIS_ASSIGN_OR_RETURN(q.min_inter_eye_distance_px,
                        NumberSetting(settings, "min_inter_eye_distance_px", q.min_inter_eye_distance_px, 0, 10000));
  ABIS_ASSIGN_OR_RETURN(q.min_sharpness, NumberSetting(settings, "min_sharpness", q.min_sharpness, 0, 1e6));
  ABIS_ASSIGN_OR_RETURN(q.max_abs_yaw_degrees,
                        NumberSetting(settings, "max_abs_yaw_degrees", q.max_abs_yaw_degrees, 0, 90));
  ABIS_ASSIGN_OR_RETURN(q.max_abs_pitch_degrees,
                        NumberSetting(settings, "max_abs_pitch_degrees", q.max_abs_pitch_degrees, 0, 90));
  return options;
}

Result<std::unique_ptr<FaceEngine>> FaceEngine::Create(const FaceEngineOptions& options) {
  const std::filesystem::path manifest_path =
      options.manifest_path.empty() ? DefaultManifestPath(options.model_dir) : options.manifest_path;
  ABIS_ASSIGN_OR_RETURN(const ModelManifest manifest, LoadModelManifest(manifest_path));
  ABIS_ASSIGN_OR_RETURN(const EmbeddingModelSpec spec, manifest.FindEmbedder(options.embedder_id));
  std::unique_ptr<FaceEngine> engine(new FaceEngine(options));
  ABIS_ASSIGN_OR_RETURN(engine->embedder_, FaceEmbedder::Load(spec, options.model_dir));

  if (options.front_end == FrontEnd::kDlib) {
    ABIS_ASSIGN_OR_RETURN(const AuxiliaryModelSpec predictor, manifest.FindAuxiliary("dlib_landmarks68"));
    ABIS_RETURN_IF_ERROR(VerifyModelFile(options.model_dir / predictor.file, predictor.sha256));
    ABIS_ASSIGN_OR_RETURN(engine->detector_, NewDlibFaceDetector(options.model_dir / predictor.file));
  } else {
    ABIS_ASSIGN_OR_RETURN(const AuxiliaryModelSpec detector, manifest.FindAuxiliary("detector"));
    ABIS_ASSIGN_OR_RETURN(const AuxiliaryModelSpec landmarks, manifest.FindAuxiliary("landmarks68"));
    ABIS_RETURN_IF_ERROR(VerifyModelFile(options.model_dir / detector.file, detector.sha256));
    ABIS_RETURN_IF_ERROR(VerifyModelFile(options.model_dir / landmarks.file, landmarks.sha256));
    ABIS_ASSIGN_OR_RETURN(engine->detector_,
                          NewOnnxFaceDetector(options.model_dir / detector.file, options.model_dir / landmarks.file));
  }
  if (options.liveness) {
    ABIS_ASSIGN_OR_RETURN(const AuxiliaryModelSpec liveness, manifest.FindAuxiliary("liveness"));
    ABIS_ASSIGN_OR_RETURN(engine->liveness_, LivenessScorer::Load(options.model_dir / liveness.file, liveness.sha256));
  }
  if (!spec.calibration_file.empty()) {
    // The calibration table is shipped in models/ and copied beside the models by the fetch script.
    std::filesystem::path table = options.model_dir / spec.calibration_file;
    std::error_code ec;
    if (!std::filesystem::exists(table, ec)) table = manifest_path.parent_path() / spec.calibration_file;
    if (std::filesystem::exists(table, ec)) {
      ABIS_ASSIGN_OR_RETURN(ScoreCalibration calibration, ScoreCalibration::Load(table));
      if (calibration.model_id() != spec.id) {
        return Status::FailedPrecondition(table.string() + " calibrates model '" + calibration.model_id() + "', not '" +
                                          spec.id + "'");
      }
      engine->calibration_ = std::make_unique<ScoreCalibration>(std::move(calibration));
    }
  }
  return engine;
}

std::string FaceEngine::algorithm() const { return embedder_->spec().id; }

Result<FaceEngine::DetectedFaces> FaceEngine::DetectFaces(std::span<const std::uint8_t> bytes,
                                                          std::string_view source) const {
  DetectedFaces detected;
  ABIS_ASSIGN_OR_RETURN(detected.image, DecodeFaceImage(bytes, source, options_.image_limits));
  ABIS_ASSIGN_OR_RETURN(detected.faces, detector_->Detect(detected.image));
  if (detected.faces.empty()) {
    return FaceRejected(FaceRejection::kNoFace, source,
                        "no face found by the " + std::string(FrontEndName(detector_->front_end())) +
                            " detector in a " + std::to_string(detected.image.cols) + "x" +
                            std::to_string(detected.image.rows) + " image");
  }
  return detected;
}

Result<std::size_t> FaceEngine::ChooseFace(const std::vector<DetectedFace>& faces, int face_index,
                                           std::string_view source) {
  if (face_index == kOnlyFace) {
    if (faces.size() > 1) {
      return FaceRejected(FaceRejection::kMultipleFaces, source,
                          std::to_string(faces.size()) +
                              " faces found; search every face with --each-face (HTTP: \"eachFace\": true), or pick "
                              "one with the sample option face_index (0 = leftmost) or \"largest\"");
    }
    return 0;
  }
  if (face_index == kLargestFace) {
    std::size_t chosen = 0;
    for (std::size_t i = 1; i < faces.size(); ++i) {
      if (faces[i].box.area() > faces[chosen].box.area()) chosen = i;
    }
    return chosen;
  }
  if (face_index >= 0 && static_cast<std::size_t>(face_index) < faces.size())
    return static_cast<std::size_t>(face_index);
  return Status::InvalidArgument(std::string(source) + ": face_index " + std::to_string(face_index) +
                                 " out of range; " + std::to_string(faces.size()) + " face(s) found");
}

Result<FaceEngine::AssessedFace> FaceEngine::Assess(const cv::Mat& image, const DetectedFace& face) const {
  const EmbeddingModelSpec& spec = embedder_->spec();
  const FivePoints points = FivePointsFromLandmarks68(face.landmarks);
  AssessedFace assessed;
  ABIS_ASSIGN_OR_RETURN(assessed.aligned,
                        AlignFace(image, points, spec.alignment_reference, spec.input_width, spec.input_height));
  assessed.quality = MeasureFaceQuality(points, assessed.aligned, face.confidence);
  return assessed;
}

Result<FaceAnalysis> FaceEngine::Analyse(std::span<const std::uint8_t> bytes, std::string_view source,
                                         int face_index) const {
  ABIS_ASSIGN_OR_RETURN(const DetectedFaces detected, DetectFaces(bytes, source));
  ABIS_ASSIGN_OR_RETURN(const std::size_t chosen, ChooseFace(detected.faces, face_index, source));
  FaceAnalysis analysis;
  analysis.faces_found = detected.faces.size();
  analysis.face = detected.faces[chosen];
  ABIS_ASSIGN_OR_RETURN(AssessedFace assessed, Assess(detected.image, analysis.face));
  analysis.aligned = std::move(assessed.aligned);
  analysis.quality = assessed.quality;
  ABIS_RETURN_IF_ERROR(CheckFaceQuality(analysis.quality, options_.quality_limits, source));
  ABIS_ASSIGN_OR_RETURN(analysis.embedding, embedder_->Embed(analysis.aligned));
  if (liveness_) {
    ABIS_ASSIGN_OR_RETURN(analysis.liveness_softmax, liveness_->Score(detected.image, analysis.face.box));
  }
  return analysis;
}

Result<std::vector<SubjectInSample>> FaceEngine::FindSubjects(const SampleInput& sample) const {
  if (sample.modality != Modality::kFace) {
    return Status::InvalidArgument(sample.source_name + ": the face engine got a sample of another modality");
  }
  ABIS_ASSIGN_OR_RETURN(const int face_index, FaceIndexOption(sample));
  const std::string source = sample.source_name.empty() ? std::string("face sample") : sample.source_name;
  ABIS_ASSIGN_OR_RETURN(const DetectedFaces detected, DetectFaces(sample.bytes, source));
  std::vector<std::size_t> selected;
  if (face_index == kOnlyFace) {
    for (std::size_t i = 0; i < detected.faces.size(); ++i) selected.push_back(i);
  } else {
    ABIS_ASSIGN_OR_RETURN(const std::size_t chosen, ChooseFace(detected.faces, face_index, source));
    selected.push_back(chosen);
  }
  std::vector<SubjectInSample> subjects;
  for (const std::size_t i : selected) {
    const DetectedFace& face = detected.faces[i];
    SubjectInSample subject;
    subject.index = i;
    subject.options = sample.options.is_object() ? sample.options : nlohmann::json::object();
    subject.options["face_index"] = i;
    subject.region = SampleRegion{face.box.x, face.box.y, face.box.width, face.box.height};
    ABIS_ASSIGN_OR_RETURN(const AssessedFace assessed, Assess(detected.image, face));
    subject.quality = assessed.quality.ToJson();
    const Status floor = CheckFaceQuality(assessed.quality, options_.quality_limits, source);
    if (!floor.ok()) {
      const std::optional<FaceRejection> rejection = RejectionOf(floor);
      subject.skipped_reason = rejection ? std::string(FaceRejectionName(*rejection)) : "rejected";
      subject.skipped_detail = floor.message();
    }
    subjects.push_back(std::move(subject));
  }
  return subjects;
}

Result<BiometricTemplate> FaceEngine::Extract(const SampleInput& sample) const {
  if (sample.modality != Modality::kFace) {
    return Status::InvalidArgument(sample.source_name + ": the face engine got a sample of another modality");
  }
  ABIS_ASSIGN_OR_RETURN(const int face_index, FaceIndexOption(sample));
  const std::string source = sample.source_name.empty() ? std::string("face sample") : sample.source_name;
  ABIS_ASSIGN_OR_RETURN(const FaceAnalysis analysis, Analyse(sample.bytes, source, face_index));
  BiometricTemplate result;
  result.modality = Modality::kFace;
  result.algorithm = algorithm();
  result.data = SerializeFaceEmbedding({algorithm(), analysis.embedding});
  result.quality = analysis.quality.ToJson();
  result.quality["faces_found"] = analysis.faces_found;
  result.quality["front_end"] = std::string(FrontEndName(detector_->front_end()));
  if (!analysis.liveness_softmax.empty()) {
    result.quality["presentation_attack"] = {{"model", "faceplugin-fr-liveness/0.0.1"},
                                             {"softmax", analysis.liveness_softmax},
                                             {"validated", false},
                                             {"gates", false}};
  }
  return result;
}

Result<std::vector<std::uint8_t>> FaceEngine::PreparedImage(const SampleInput& sample) const {
  if (sample.modality != Modality::kFace) {
    return Status::InvalidArgument(sample.source_name + ": the face engine got a sample of another modality");
  }
  ABIS_ASSIGN_OR_RETURN(const int face_index, FaceIndexOption(sample));
  const std::string source = sample.source_name.empty() ? std::string("face sample") : sample.source_name;
  ABIS_ASSIGN_OR_RETURN(const DetectedFaces detected, DetectFaces(sample.bytes, source));
  ABIS_ASSIGN_OR_RETURN(const std::size_t chosen, ChooseFace(detected.faces, face_index, source));
  ABIS_ASSIGN_OR_RETURN(const AssessedFace assessed, Assess(detected.image, detected.faces[chosen]));
  std::vector<std::uint8_t> png;
  if (!cv::imencode(".png", assessed.aligned, png) || png.empty()) {
    return Status::Internal(source + ": the aligned face could not be encoded as PNG");
  }
  return png;
}

Result<Comparison> FaceEngine::Compare(const BiometricTemplate& probe, const BiometricTemplate& reference) const {
  for (const BiometricTemplate* t : {&probe, &reference}) {
    if (t->modality != Modality::kFace || t->algorithm != algorithm()) {
      return Status::InvalidArgument("face engine '" + algorithm() + "' cannot compare a template of '" + t->algorithm +
                                     "' (scores of different models are never compared)");
    }
  }
  ABIS_ASSIGN_OR_RETURN(const FaceEmbedding a, ParseFaceEmbedding(probe.data));
  ABIS_ASSIGN_OR_RETURN(const FaceEmbedding b, ParseFaceEmbedding(reference.data));
  if (a.model_id != algorithm() || b.model_id != algorithm() || a.values.size() != b.values.size()) {
    return Status::InvalidArgument("face template payloads do not match the engine's model " + algorithm());
  }
  Comparison comparison;
  comparison.score = CosineSimilarity(a.values, b.values);
  if (calibration_) {
    comparison.log_lr = calibration_->LogLikelihoodRatio(comparison.score);
    comparison.details["estimated_fmr"] = calibration_->FalseMatchRate(comparison.score);
  }
  return comparison;
}

std::unique_ptr<ModalityGallery> FaceEngine::NewGallery() const {
  return std::make_unique<FaissFaceGallery>(algorithm(), embedder_->spec().embedding_size, options_.gallery,
                                            calibration_.get());
}

Result<double> FaceEngine::ThresholdForFalseMatchRate(double false_match_rate) const {
  if (!calibration_) {
    return Status::FailedPrecondition("no calibration table for face model " + algorithm() +
                                      "; run tools/fetch_models.sh (it installs the shipped table)");
  }
  return calibration_->ThresholdForFalseMatchRate(false_match_rate);
}

}  // namespace abis::face
