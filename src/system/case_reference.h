// The rule for the case reference every purpose-bound request names. Internal to the system module.
#pragma once

#include <string>

#include "abis/core/status.h"
#include "abis/core/text_validation.h"

namespace abis {

// Required; an identifier of at most 128 bytes.
inline Status ValidateCaseRef(const std::string& case_ref) {
  if (case_ref.empty()) return Status::InvalidArgument("a case reference is required for every search");
  return ValidateIdentifier(case_ref, "case reference", 128);
}

}  // namespace abis
