#include "abis/finger/tenprint_fusion.h"

#include <array>
#include <string>

namespace abis::finger {
namespace {

Result<std::array<const BiometricTemplate*, 11>> ByPosition(const std::vector<BiometricTemplate>& fingers,
                                                            const char* side) {
  std::array<const BiometricTemplate*, 11> by_position{};
  for (const BiometricTemplate& finger : fingers) {
    const auto code = static_cast<std::size_t>(finger.position);
    if (finger.position == FingerPosition::kUnknown || code > 10) {
      return Status::InvalidArgument(std::string(side) + " finger with unknown position cannot be fused");
    }
    if (by_position[code] != nullptr) {
      return Status::InvalidArgument(std::string(side) + " has two fingers at position " +
                                     std::string(FingerPositionName(finger.position)));
    }
    by_position[code] = &finger;
  }
  return by_position;
}

}  // namespace

double FuseFingerLogLikelihoodRatios(const std::vector<FingerEvidence>& fingers) {
  double sum = 0;
  for (const FingerEvidence& finger : fingers) sum += finger.log_lr;
  return sum;
}

Result<TenprintComparison> CompareTenprints(const ModalityEngine& engine, const std::vector<BiometricTemplate>& probe,
                                            const std::vector<BiometricTemplate>& reference) {
  ABIS_ASSIGN_OR_RETURN(const auto probe_fingers, ByPosition(probe, "probe"));
  ABIS_ASSIGN_OR_RETURN(const auto reference_fingers, ByPosition(reference, "reference"));
  TenprintComparison result;
  for (std::size_t code = 1; code <= 10; ++code) {
    if (probe_fingers[code] == nullptr || reference_fingers[code] == nullptr) continue;
    ABIS_ASSIGN_OR_RETURN(const Comparison comparison, engine.Compare(*probe_fingers[code], *reference_fingers[code]));
    result.fingers.push_back({static_cast<FingerPosition>(code), comparison.score, comparison.log_lr});
  }
  result.log_lr = FuseFingerLogLikelihoodRatios(result.fingers);
  return result;
}

}  // namespace abis::finger
