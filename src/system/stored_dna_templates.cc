// Stored DNA templates and posteriors shared by kinship searches and DVI jobs.
#include "stored_dna_templates.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace abis {

// The person's active DNA templates this engine compares, with their samples' options.
Result<std::vector<StoredDnaTemplate>> ActiveDnaTemplates(Store& store, const ModalityEngine& engine,
                                                          std::int64_t person_id) {
  ABIS_ASSIGN_OR_RETURN(std::vector<TemplateInfo> templates, store.ListActiveTemplates(person_id));
  ABIS_ASSIGN_OR_RETURN(std::vector<Store::SampleInfo> samples, store.ListSamples(person_id));
  std::map<std::int64_t, nlohmann::json> options_of_sample;
  for (const Store::SampleInfo& sample : samples) options_of_sample[sample.id] = sample.options;
  std::vector<StoredDnaTemplate> out;
  for (const TemplateInfo& info : templates) {
    if (info.modality != Modality::kDna || info.algorithm != engine.algorithm()) continue;
    auto options = options_of_sample.find(info.sample_id);
    out.push_back({info, options == options_of_sample.end() || !options->second.is_object() ? nlohmann::json::object()
                                                                                            : options->second});
  }
  return out;
}

// The loci a template types (its quality record), to pick the fullest profile of a person.
std::int64_t LociTyped(const TemplateInfo& info) {
  return info.quality.is_object() && info.quality.contains("loci_typed") && info.quality["loci_typed"].is_number()
             ? info.quality["loci_typed"].get<std::int64_t>()
             : 0;
}

// The fullest of `templates` (most loci typed, then the newest); null when empty.
const StoredDnaTemplate* Fullest(const std::vector<StoredDnaTemplate>& templates) {
  const StoredDnaTemplate* best = nullptr;
  for (const StoredDnaTemplate& stored : templates) {
    if (!best || LociTyped(stored.info) > LociTyped(best->info) ||
        (LociTyped(stored.info) == LociTyped(best->info) && stored.info.id > best->info.id)) {
      best = &stored;
    }
  }
  return best;
}

std::string OptionText(const nlohmann::json& options, const char* key) {
  return options.contains(key) && options[key].is_string() ? options[key].get<std::string>() : "";
}

// Posterior of each candidate over {each candidate, none of them}: prior·LR_i / (Σ prior·LR_j +
// (1 - N·prior)), in log space so that very large LRs do not overflow.
std::vector<double> Posteriors(const std::vector<double>& log10_lrs, double prior) {
  const double none = 1.0 - prior * static_cast<double>(log10_lrs.size());
  double max_log = none > 0.0 ? std::log10(none) : -INFINITY;
  for (double log10_lr : log10_lrs) max_log = std::max(max_log, std::log10(prior) + log10_lr);
  double denominator = none > 0.0 ? std::pow(10.0, std::log10(none) - max_log) : 0.0;
  for (double log10_lr : log10_lrs) denominator += std::pow(10.0, std::log10(prior) + log10_lr - max_log);
  std::vector<double> out;
  for (double log10_lr : log10_lrs) out.push_back(std::pow(10.0, std::log10(prior) + log10_lr - max_log) / denominator);
  return out;
}

}  // namespace abis
