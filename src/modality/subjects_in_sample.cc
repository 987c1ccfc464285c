#include "abis/modality/engine.h"

namespace abis {

Result<std::vector<SubjectInSample>> ModalityEngine::FindSubjects(const SampleInput& sample) const {
  SubjectInSample whole;
  whole.options = sample.options.is_object() ? sample.options : nlohmann::json::object();
  return std::vector<SubjectInSample>{std::move(whole)};
}

}  // namespace abis
