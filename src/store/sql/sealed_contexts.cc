#include "sql/sealed_contexts.h"

namespace abis {

std::string SampleContext(std::int64_t person_id, std::int64_t encounter_id, Modality modality, std::string_view format,
                          FingerPosition position) {
  return "abis/sample/v1|person=" + std::to_string(person_id) + "|encounter=" + std::to_string(encounter_id) + "|" +
         std::string(ModalityName(modality)) + "|" + std::string(format) + "|" +
         std::to_string(static_cast<int>(position));
}

std::string TemplateContext(std::int64_t person_id, std::int64_t sample_id, Modality modality,
                            std::string_view algorithm, FingerPosition position) {
  return "abis/template/v1|person=" + std::to_string(person_id) + "|sample=" + std::to_string(sample_id) + "|" +
         std::string(ModalityName(modality)) + "|" + std::string(algorithm) + "|" +
         std::to_string(static_cast<int>(position));
}

std::string ProbeContext(const SearchProbeRecord& probe) {
  return "abis/search-probe/v1|search=" + std::to_string(probe.search_seq) +
         "|probe=" + std::to_string(probe.probe_index) + "|case=" + probe.case_ref + "|" + probe.modality + "|" +
         probe.format + "|" + std::to_string(probe.position);
}

}  // namespace abis
