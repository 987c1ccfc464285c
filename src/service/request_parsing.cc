#include "request_parsing.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace abis::service {

Result<std::int64_t> ParseInteger(const std::string& text, const std::string& name, std::int64_t min, std::int64_t max) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument("query parameter " + name + " must be an integer, not '" + text + "'");
  }
  if (value < min || value > max) {
    return Status::InvalidArgument("query parameter " + name + " must be " + std::to_string(min) + "-" + std::to_string(max));
  }
  return value;
}

Result<double> ParseNumber(const std::string& text, const std::string& name) {
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return Status::InvalidArgument("query parameter " + name + " must be a number, not '" + text + "'");
  }
  return value;
}

Result<std::int64_t> ParseId(const std::string& text, const std::string& what) {
  auto id = ParseInteger(text, what, 1, std::numeric_limits<std::int64_t>::max());
  if (!id.ok()) return Status::InvalidArgument(what + " must be a positive integer, not '" + text + "'");
  return id;
}

Result<std::pair<Purpose, std::string>> SearchPurpose(const Call& call) {
  if (!call.HasQuery("purpose") || !call.HasQuery("caseRef")) {
    return Status::InvalidArgument("a search needs the query parameters purpose and caseRef");
  }
  ABIS_ASSIGN_OR_RETURN(Purpose purpose, ParsePurpose(call.Query("purpose")));
  return std::make_pair(purpose, call.Query("caseRef"));
}

Result<double> TargetFalseMatchRate(const Call& call) {
  if (!call.HasQuery("targetFmr")) return 1e-4;
  return ParseNumber(call.Query("targetFmr"), "targetFmr");
}

Result<std::vector<std::string>> StringArray(const nlohmann::json& object, const char* key, std::size_t max_items) {
  std::vector<std::string> out;
  if (!object.contains(key) || object.at(key).is_null()) return out;
  const nlohmann::json& items = object.at(key);
  if (!items.is_array() || items.size() > max_items) {
    return Status::InvalidArgument(std::string(key) + " must be an array of at most " + std::to_string(max_items) + " strings");
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_string()) return Status::InvalidArgument(std::string(key) + "[" + std::to_string(i) + "] must be a string");
    out.push_back(items[i].get<std::string>());
  }
  return out;
}

std::string Lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace abis::service
