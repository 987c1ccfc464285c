#include "abis/core/modality.h"

#include <array>
#include <charconv>
#include <string>

namespace abis {
namespace {

constexpr std::array<std::string_view, 11> kFingerNames = {
    "unknown",     "right_thumb", "right_index", "right_middle", "right_ring", "right_little",
    "left_thumb",  "left_index",  "left_middle", "left_ring",    "left_little"};

}  // namespace

std::string_view ModalityName(Modality modality) {
  switch (modality) {
    case Modality::kFace: return "face";
    case Modality::kFinger: return "finger";
    case Modality::kDna: return "dna";
  }
  return "unknown";
}

Result<Modality> ParseModality(std::string_view name) {
  if (name == "face") return Modality::kFace;
  if (name == "finger" || name == "fingerprint") return Modality::kFinger;
  if (name == "dna") return Modality::kDna;
  return Status::InvalidArgument("unknown modality '" + std::string(name) +
                                 "' (expected face, finger or dna)");
}

Result<FingerPosition> FingerPositionFromCode(int code) {
  if (code < 0 || code > 10) {
    return Status::InvalidArgument("finger position " + std::to_string(code) +
                                   " out of range 0-10");
  }
  return static_cast<FingerPosition>(code);
}

std::string_view FingerPositionName(FingerPosition position) {
  auto index = static_cast<std::size_t>(position);
  return index < kFingerNames.size() ? kFingerNames[index] : "invalid";
}

Result<FingerPosition> ParseFingerPosition(std::string_view text) {
  int code = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), code);
  if (error == std::errc() && end == text.data() + text.size()) return FingerPositionFromCode(code);
  for (std::size_t i = 0; i < kFingerNames.size(); ++i) {
    if (kFingerNames[i] == text) return static_cast<FingerPosition>(i);
  }
  return Status::InvalidArgument("unknown finger position '" + std::string(text) +
                                 "' (expected 0-10 or a name like right_index)");
}

}  // namespace abis
