// Biometric modalities and finger positions (ANSI/NIST-ITL finger position codes 0-10).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "abis/core/status.h"

namespace abis {

enum class Modality : std::uint8_t { kFace = 1, kFinger = 2, kDna = 3 };

// "face", "finger", "dna".
std::string_view ModalityName(Modality modality);
// Accepts the names above (and "fingerprint" for finger); anything else is kInvalidArgument.
Result<Modality> ParseModality(std::string_view name);

// ANSI/NIST-ITL 1-2011 Table 8 finger position codes 0-10.
enum class FingerPosition : std::uint8_t {
  kUnknown = 0,
  kRightThumb = 1,
  kRightIndex = 2,
  kRightMiddle = 3,
  kRightRing = 4,
  kRightLittle = 5,
  kLeftThumb = 6,
  kLeftIndex = 7,
  kLeftMiddle = 8,
  kLeftRing = 9,
  kLeftLittle = 10,
};

// Validates a numeric code; outside 0-10 returns kInvalidArgument naming the value.
Result<FingerPosition> FingerPositionFromCode(int code);
// "unknown", "right_thumb", ..., "left_little".
std::string_view FingerPositionName(FingerPosition position);
// Accepts a code ("2") or a name ("right_index").
Result<FingerPosition> ParseFingerPosition(std::string_view text);
// Whether two samples may be of the same finger: the same position, or either one unknown.
constexpr bool FingerPositionsCompatible(FingerPosition a, FingerPosition b) {
  return a == FingerPosition::kUnknown || b == FingerPosition::kUnknown || a == b;
}

}  // namespace abis
