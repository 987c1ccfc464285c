// The ANSI/NIST-ITL sample transactions of the shared data folder (tests only).
#pragma once

#include <filesystem>
#include <vector>

#include "abis/core/paths.h"

namespace abis::interop::testing {

inline std::filesystem::path An2kSampleDir() { return abis::SharedDataDir() / "interop" / "ansi-nist"; }

// Every regular file in the sample folder except SOURCE.md, sorted; empty when absent.
inline std::vector<std::filesystem::path> An2kSampleFiles() {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  if (!std::filesystem::is_directory(An2kSampleDir(), error)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(An2kSampleDir(), error)) {
    if (entry.is_regular_file() && entry.path().extension() != ".md") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace abis::interop::testing
