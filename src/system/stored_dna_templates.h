// A person's stored DNA templates as kinship searches and DVI jobs use them: the active templates
// the DNA engine compares, each with the options its sample was enrolled with (the relative
// options missing_person and relationship). Internal to src/system; call inside a transaction.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "abis/core/status.h"
#include "abis/modality/engine.h"
#include "abis/store/store.h"

namespace abis {

// A person's stored DNA template, with the options its sample was enrolled with.
struct StoredDnaTemplate {
  TemplateInfo info;
  nlohmann::json options = nlohmann::json::object();
};

// The person's active DNA templates of `engine`'s algorithm, with their samples' options.
Result<std::vector<StoredDnaTemplate>> ActiveDnaTemplates(Store& store, const ModalityEngine& engine,
                                                          std::int64_t person_id);

// The loci a template types (its quality record "loci_typed"; 0 when absent).
std::int64_t LociTyped(const TemplateInfo& info);

// The fullest of `templates` (most loci typed, then the newest); null when empty.
const StoredDnaTemplate* Fullest(const std::vector<StoredDnaTemplate>& templates);

// The string option `key` of a sample's options ("" when absent or not a string).
std::string OptionText(const nlohmann::json& options, const char* key);

// Posterior of each candidate over {each candidate, none of them}: prior·LR_i / (Σ prior·LR_j +
// (1 - N·prior)), in log space so that very large LRs do not overflow.
std::vector<double> Posteriors(const std::vector<double>& log10_lrs, double prior);

}  // namespace abis
