// The options that shaped a sample's template, as the engine declares them: what is stored with
// the sample and used again when it is re-extracted. Everything else (a debug folder, notes) is
// dropped, so that no option writes decrypted data anywhere or keeps free text in clear.
// Internal to the system module.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "abis/modality/engine.h"

namespace abis {

inline nlohmann::json KeptSampleOptions(const ModalityEngine& engine, const nlohmann::json& options) {
  nlohmann::json kept = nlohmann::json::object();
  if (!options.is_object()) return kept;
  for (const std::string& key : engine.TemplateOptionKeys()) {
    if (options.contains(key)) kept[key] = options[key];
  }
  return kept;
}

}  // namespace abis
