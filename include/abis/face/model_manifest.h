// The face model manifest: models are data, described by a JSON file (models/manifest.json,
// copied next to the model files by tools/fetch_models.sh), never compiled in. A second
// embedding model drops in by adding an entry; templates carry the model id and scores of
// different models are never compared.
// Thread-safety: immutable values.
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core/types.hpp>

#include "abis/core/status.h"

namespace abis::face {

// One embedding model and the preprocessing it expects.
struct EmbeddingModelSpec {
  std::string id;       // e.g. "faceplugin-fr-feature/0.0.1"; written into every template
  std::string name;
  std::string version;
  std::string file;     // file name inside the model folder
  std::string sha256;   // lower-case hex of the file's SHA-256
  int input_width = 112;
  int input_height = 112;
  std::array<double, 3> mean{};  // subtracted per channel, in the model's colour order
  double scale = 1.0;            // multiplied after subtracting the mean
  bool rgb = true;               // colour order of the input tensor (else BGR)
  std::array<cv::Point2f, 5> alignment_reference{};  // eye centres, nose tip, mouth corners
  int embedding_size = 0;
  std::string calibration_file;  // score calibration table inside the model folder; may be empty
};

// A model file that is not an embedder (detector, landmarks, liveness), checked by sha256.
struct AuxiliaryModelSpec {
  std::string id;
  std::string role;     // "detector", "landmarks68", "liveness", "dlib_landmarks68"
  std::string file;
  std::string sha256;
};

struct ModelManifest {
  std::vector<EmbeddingModelSpec> embedders;
  std::vector<AuxiliaryModelSpec> auxiliary;

  // The embedder with `id`, or the first one when `id` is empty; kNotFound otherwise.
  Result<EmbeddingModelSpec> FindEmbedder(std::string_view id) const;
  // The auxiliary model with `role`; kNotFound when the manifest lists none.
  Result<AuxiliaryModelSpec> FindAuxiliary(std::string_view role) const;
};

// Parses a manifest; kInvalidArgument naming the field and entry when it is malformed,
// kIoError when the file cannot be read.
Result<ModelManifest> LoadModelManifest(const std::filesystem::path& path);
Result<ModelManifest> ParseModelManifest(std::string_view json_text, std::string_view source);

// The manifest to use for `model_dir`: <model_dir>/manifest.json when present, else the
// repository's models/manifest.json.
std::filesystem::path DefaultManifestPath(const std::filesystem::path& model_dir);

// Lower-case hex SHA-256 of a file; kIoError when it cannot be read.
Result<std::string> Sha256OfFile(const std::filesystem::path& path);

// Checks that `path` exists and its SHA-256 equals `expected_sha256`. Returns
// kFailedPrecondition naming the file and both digests on a mismatch (the file is refused),
// kNotFound (with the hint to run tools/fetch_models.sh) when it is missing.
Status VerifyModelFile(const std::filesystem::path& path, std::string_view expected_sha256);

}  // namespace abis::face
