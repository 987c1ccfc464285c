// Internal JSON helpers shared by the MOSIP ABIS message parsers and serialisers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "abis/interop/mosip_abis_request.h"

namespace abis::interop::internal {

// Objects keep their members in document order (flags, analytics are written back as read).
using Json = nlohmann::ordered_json;

// Deepest nesting of arrays/objects accepted in a message; deeper input is refused before the
// recursive JSON parser sees it.
inline constexpr int kMaxMosipJsonDepth = 32;

// Parses `text` (no exceptions); nullopt on a syntax error or excessive nesting.
std::optional<Json> ParseJsonText(std::string_view text);

// A JSON integer, or a string of decimal digits with an optional leading '-' (MOSIP writes its
// numbers as strings). nullopt for anything else, including fractions and out-of-range values.
std::optional<std::int64_t> IntegerFromJson(const Json& value);

// Compact JSON text that never throws (invalid UTF-8 is replaced).
std::string DumpJson(const Json& value);

// Reads an object's members into key/value pairs (values as compact JSON text), in document
// order. REQUIRES object.is_object().
std::vector<MosipKeyValue> KeyValuesFromObject(const Json& object);
// Writes key/value pairs as an ordered object; a value that is not valid JSON is written as a string.
Json ObjectFromKeyValues(const std::vector<MosipKeyValue>& pairs);

}  // namespace abis::interop::internal
