#include "abis/face/model_manifest.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <sodium.h>

namespace abis::face {
namespace {

using nlohmann::json;

Status FieldError(std::string_view source, std::string_view entry, std::string_view field,
                  std::string_view what) {
  return Status::InvalidArgument(std::string(source) + ": model entry '" + std::string(entry) +
                                 "': field '" + std::string(field) + "' " + std::string(what));
}

Result<std::string> RequireString(const json& entry, std::string_view source, std::string_view name,
                                  const char* field) {
  if (!entry.contains(field) || !entry[field].is_string() || entry[field].get<std::string>().empty()) {
    return FieldError(source, name, field, "is missing or not a non-empty string");
  }
  return entry[field].get<std::string>();
}

Result<int> RequirePositiveInt(const json& entry, std::string_view source, std::string_view name,
                               const char* field) {
  if (!entry.contains(field) || !entry[field].is_number_integer() || entry[field].get<int>() <= 0 ||
      entry[field].get<int>() > 65536) {
    return FieldError(source, name, field, "is missing or not an integer in 1..65536");
  }
  return entry[field].get<int>();
}

bool IsSha256Hex(const std::string& text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

Result<EmbeddingModelSpec> ParseEmbedder(const json& entry, std::string_view source) {
  if (!entry.is_object()) return Status::InvalidArgument(std::string(source) + ": embedder entry is not an object");
  EmbeddingModelSpec spec;
  ABIS_ASSIGN_OR_RETURN(spec.id, RequireString(entry, source, "?", "id"));
  ABIS_ASSIGN_OR_RETURN(spec.name, RequireString(entry, source, spec.id, "name"));
  ABIS_ASSIGN_OR_RETURN(spec.version, RequireString(entry, source, spec.id, "version"));
  ABIS_ASSIGN_OR_RETURN(spec.file, RequireString(entry, source, spec.id, "file"));
  ABIS_ASSIGN_OR_RETURN(spec.sha256, RequireString(entry, source, spec.id, "sha256"));
  if (!IsSha256Hex(spec.sha256)) return FieldError(source, spec.id, "sha256", "is not 64 lower-case hex digits");
  ABIS_ASSIGN_OR_RETURN(spec.input_width, RequirePositiveInt(entry, source, spec.id, "input_width"));
  ABIS_ASSIGN_OR_RETURN(spec.input_height, RequirePositiveInt(entry, source, spec.id, "input_height"));
  ABIS_ASSIGN_OR_RETURN(spec.embedding_size, RequirePositiveInt(entry, source, spec.id, "embedding_size"));
  const json& mean = entry.value("mean", json());
  if (!mean.is_array() || mean.size() != 3 || !mean[0].is_number() || !mean[1].is_number() ||
      !mean[2].is_number()) {
    return FieldError(source, spec.id, "mean", "must be an array of 3 numbers");
  }
  for (int c = 0; c < 3; ++c) spec.mean[c] = mean[c].get<double>();
  if (!entry.contains("scale") || !entry["scale"].is_number() || entry["scale"].get<double>() <= 0) {
    return FieldError(source, spec.id, "scale", "must be a positive number");
  }
  spec.scale = entry["scale"].get<double>();
  ABIS_ASSIGN_OR_RETURN(const std::string order, RequireString(entry, source, spec.id, "colour_order"));
  if (order != "rgb" && order != "bgr") return FieldError(source, spec.id, "colour_order", "must be \"rgb\" or \"bgr\"");
  spec.rgb = order == "rgb";
  const json& reference = entry.value("alignment_reference", json());
  if (!reference.is_array() || reference.size() != 5) {
    return FieldError(source, spec.id, "alignment_reference", "must hold 5 [x, y] points");
  }
  for (std::size_t i = 0; i < 5; ++i) {
    const json& point = reference[i];
    if (!point.is_array() || point.size() != 2 || !point[0].is_number() || !point[1].is_number()) {
      return FieldError(source, spec.id, "alignment_reference", "must hold 5 [x, y] points");
    }
    spec.alignment_reference[i] = cv::Point2f(point[0].get<float>(), point[1].get<float>());
  }
  if (entry.contains("calibration")) {
    if (!entry["calibration"].is_string()) return FieldError(source, spec.id, "calibration", "must be a file name");
    spec.calibration_file = entry["calibration"].get<std::string>();
  }
  return spec;
}

}  // namespace

Result<EmbeddingModelSpec> ModelManifest::FindEmbedder(std::string_view id) const {
  for (const EmbeddingModelSpec& spec : embedders) {
    if (id.empty() || spec.id == id) return spec;
  }
  return Status::NotFound("no embedding model '" + std::string(id) + "' in the model manifest");
}

Result<AuxiliaryModelSpec> ModelManifest::FindAuxiliary(std::string_view role) const {
  for (const AuxiliaryModelSpec& spec : auxiliary) {
    if (spec.role == role) return spec;
  }
  return Status::NotFound("the model manifest lists no model with role '" + std::string(role) + "'");
}

Result<ModelManifest> ParseModelManifest(std::string_view json_text, std::string_view source) {
  json root = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return Status::InvalidArgument(std::string(source) + ": not a JSON object");
  }
  if (root.value("format", "") != "abis-face-model-manifest/1") {
    return Status::Unimplemented(std::string(source) +
                                 ": unknown manifest format (expected \"abis-face-model-manifest/1\")");
  }
  ModelManifest manifest;
  const json& embedders = root.value("embedders", json::array());
  if (!embedders.is_array() || embedders.empty()) {
    return Status::InvalidArgument(std::string(source) + ": 'embedders' must be a non-empty array");
  }
  for (const json& entry : embedders) {
    ABIS_ASSIGN_OR_RETURN(EmbeddingModelSpec spec, ParseEmbedder(entry, source));
    manifest.embedders.push_back(std::move(spec));
  }
  const json& auxiliary = root.value("auxiliary", json::array());
  if (!auxiliary.is_array()) return Status::InvalidArgument(std::string(source) + ": 'auxiliary' must be an array");
  for (const json& entry : auxiliary) {
    if (!entry.is_object()) return Status::InvalidArgument(std::string(source) + ": auxiliary entry is not an object");
    AuxiliaryModelSpec spec;
    ABIS_ASSIGN_OR_RETURN(spec.id, RequireString(entry, source, "?", "id"));
    ABIS_ASSIGN_OR_RETURN(spec.role, RequireString(entry, source, spec.id, "role"));
    ABIS_ASSIGN_OR_RETURN(spec.file, RequireString(entry, source, spec.id, "file"));
    ABIS_ASSIGN_OR_RETURN(spec.sha256, RequireString(entry, source, spec.id, "sha256"));
    if (!IsSha256Hex(spec.sha256)) return FieldError(source, spec.id, "sha256", "is not 64 lower-case hex digits");
    manifest.auxiliary.push_back(std::move(spec));
  }
  return manifest;
}

Result<ModelManifest> LoadModelManifest(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read model manifest " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return ParseModelManifest(text.str(), path.string());
}

std::filesystem::path DefaultManifestPath(const std::filesystem::path& model_dir) {
  const std::filesystem::path beside = model_dir / "manifest.json";
  std::error_code ec;
  if (std::filesystem::exists(beside, ec)) return beside;
  return std::filesystem::path(ABIS_SOURCE_DIR) / "models" / "manifest.json";
}

Result<std::string> Sha256OfFile(const std::filesystem::path& path) {
  if (sodium_init() < 0) return Status::Internal("libsodium failed to initialise");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + path.string());
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::streamsize got = in.gcount();
    if (got > 0) {
      crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(buffer.data()),
                                static_cast<unsigned long long>(got));
    }
  }
  if (in.bad()) return Status::IoError("read error in " + path.string());
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(hex);
}

Status VerifyModelFile(const std::filesystem::path& path, std::string_view expected_sha256) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::NotFound("model file " + path.string() +
                            " is missing; run `bash tools/fetch_models.sh` (or `make deps`) to fetch it");
  }
  ABIS_ASSIGN_OR_RETURN(const std::string actual, Sha256OfFile(path));
  if (actual != expected_sha256) {
    return Status::FailedPrecondition("model file " + path.string() + " has sha256 " + actual +
                                      " but the manifest pins " + std::string(expected_sha256) +
                                      "; refusing to load it (re-run tools/fetch_models.sh)");
  }
  return Status::Ok();
}

}  // namespace abis::face
