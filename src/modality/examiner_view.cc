#include "abis/modality/engine.h"

namespace abis {

Result<nlohmann::json> ModalityEngine::ExaminerView(const BiometricTemplate&, const BiometricTemplate&) const {
  return nlohmann::json::object();
}

}  // namespace abis
