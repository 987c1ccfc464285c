// Where run-time files live: shared test data, model cache, shipped reference tables.
#pragma once

#include <filesystem>

namespace abis {

// The shared data folder: env ABIS_DATA, else <source dir>/../shared/data. May not exist;
// tests that need it check and skip with a message.
std::filesystem::path SharedDataDir();

// Folder holding downloaded model files: env ABIS_MODEL_DIR, else <source dir>/.cache/models.
std::filesystem::path ModelDir();

// The project's shipped reference data (e.g. allele frequency tables): env ABIS_RESOURCES,
// else <source dir>/resources.
std::filesystem::path ResourceDir();

}  // namespace abis
