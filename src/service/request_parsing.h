// Query parameters and JSON members of a service request, checked and converted; every error
// names the parameter and says what was expected. Internal to the service library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "abis/access/policy.h"
#include "abis/core/status.h"
#include "service_call.h"

namespace abis::service {

// An integer query parameter within [min, max].
Result<std::int64_t> ParseInteger(const std::string& text, const std::string& name, std::int64_t min, std::int64_t max);
// A finite number.
Result<double> ParseNumber(const std::string& text, const std::string& name);
// A positive id.
Result<std::int64_t> ParseId(const std::string& text, const std::string& what);
// The purpose and case reference every search and verification must name.
Result<std::pair<Purpose, std::string>> SearchPurpose(const Call& call);
// The operating point (query parameter targetFmr), 1e-4 when absent.
Result<double> TargetFalseMatchRate(const Call& call);
// An optional array of at most max_items strings.
Result<std::vector<std::string>> StringArray(const nlohmann::json& object, const char* key, std::size_t max_items);
std::string Lowercase(std::string text);

}  // namespace abis::service
