#include "mosip_json.h"

#include <charconv>
#include <limits>

#include "abis/core/json_input.h"

namespace abis::interop::internal {

std::optional<Json> ParseJsonText(std::string_view text) {
  if (!JsonNestingWithin(text, kMaxMosipJsonDepth)) return std::nullopt;
  Json value = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return std::nullopt;
  return value;
}

std::optional<std::int64_t> IntegerFromJson(const Json& value) {
  if (value.is_number_integer()) {
    if (value.is_number_unsigned()) {
      const auto unsigned_value = value.get<std::uint64_t>();
      if (unsigned_value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
      return static_cast<std::int64_t>(unsigned_value);
    }
    return value.get<std::int64_t>();
  }
  if (!value.is_string()) return std::nullopt;
  const std::string& text = value.get_ref<const std::string&>();
  if (text.empty()) return std::nullopt;
  std::int64_t parsed = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(begin, end, parsed);
  if (error != std::errc() || ptr != end) return std::nullopt;
  return parsed;
}

std::string DumpJson(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::vector<MosipKeyValue> KeyValuesFromObject(const Json& object) {
  std::vector<MosipKeyValue> pairs;
  for (auto it = object.begin(); it != object.end(); ++it) pairs.push_back({it.key(), DumpJson(it.value())});
  return pairs;
}

Json ObjectFromKeyValues(const std::vector<MosipKeyValue>& pairs) {
  Json object = Json::object();
  for (const MosipKeyValue& pair : pairs) {
    std::optional<Json> value = ParseJsonText(pair.json_value);
    object[pair.key] = value ? std::move(*value) : Json(pair.json_value);
  }
  return object;
}

}  // namespace abis::interop::internal
