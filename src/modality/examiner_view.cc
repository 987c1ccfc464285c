#include "abis/modality/engine.h"

namespace abis {

Result<nlohmann::json> ModalityEngine::ExaminerView(const BiometricTemplate&, const BiometricTemplate&) const {
  return nlohmann::json::object();
}

Result<std::vector<std::uint8_t>> ModalityEngine::PreparedImage(const SampleInput&) const {
  return Status::Unimplemented("the " + std::string(ModalityName(modality())) + " engine prepares no image to show");
}

}  // namespace abis
