// Helpers for finger tests: shared data paths (tests skip when absent) and file reading.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "abis/core/paths.h"

namespace abis::finger::testing {

inline std::filesystem::path FingerprintDataDir() { return SharedDataDir() / "fingerprint"; }
inline std::filesystem::path TemplateSamplesDir() { return SharedDataDir() / "interop" / "templates"; }

inline std::vector<std::uint8_t> ReadBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace abis::finger::testing

#define ABIS_SKIP_UNLESS_EXISTS(path)                                                         \
  do {                                                                                        \
    if (!std::filesystem::exists(path)) GTEST_SKIP() << "shared data absent: " << (path);    \
  } while (0)
