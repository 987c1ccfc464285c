#include "abis/core/paths.h"

#include <cstdlib>

namespace abis {
namespace {

std::filesystem::path FromEnvOr(const char* variable, const std::filesystem::path& fallback) {
  const char* value = std::getenv(variable);
  if (value != nullptr && *value != '\0') return value;
  return fallback;
}

}  // namespace

std::filesystem::path SharedDataDir() {
  return FromEnvOr("ABIS_DATA", std::filesystem::path(ABIS_SOURCE_DIR) / ".." / "shared" / "data");
}

std::filesystem::path ModelDir() {
  return FromEnvOr("ABIS_MODEL_DIR", std::filesystem::path(ABIS_SOURCE_DIR) / ".cache" / "models");
}

std::filesystem::path ResourceDir() {
  return FromEnvOr("ABIS_RESOURCES", std::filesystem::path(ABIS_SOURCE_DIR) / "resources");
}

}  // namespace abis
