// The MOSIP samples of the shared data folder (tests only).
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "abis/core/paths.h"

namespace abis::interop::testing {

inline std::filesystem::path MosipSampleDir() { return abis::SharedDataDir() / "interop" / "mosip"; }
inline std::filesystem::path MosipMessageDir() { return MosipSampleDir() / "abis_messages"; }
inline std::filesystem::path MosipCbeffSample() {
  return MosipSampleDir() / "mosip_docs_individualBiometrics_bio_CBEFF.xml";
}

inline std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace abis::interop::testing
