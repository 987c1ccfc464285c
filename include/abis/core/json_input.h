// Parsing JSON that comes from outside (HTTP bodies, MOSIP messages, files): size and nesting
// depth are checked before the parser runs (a deep document would otherwise exhaust the stack of
// the code that copies or destroys it), strings must be valid UTF-8, and numbers that do not fit
// a double are refused. Errors give the byte offset and never quote the input.
// Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "abis/core/status.h"

namespace abis {

struct JsonInputLimits {
  std::size_t max_bytes = 16u << 20;
  int max_depth = 32;  // arrays and objects nested inside each other
  // Values in arrays and objects, counted before parsing: a parsed value costs tens of bytes, so
  // 16 MiB of "[{},{},...]" would take ~0.8 GB. Biometric data travels as long strings, few values.
  std::size_t max_elements = 100000;
};

// True when no array or object in `text` nests deeper than `max_depth` (string contents are
// skipped). For parsers of other JSON types (e.g. ordered_json) that need the same guard.
bool JsonNestingWithin(std::string_view text, int max_depth);

// The parsed document, or kInvalidArgument naming `what` (e.g. "the request body") and the byte
// offset of the problem, or kResourceExhausted when a limit is exceeded.
Result<nlohmann::json> ParseJsonInput(std::string_view text, std::string_view what, const JsonInputLimits& limits = {});

}  // namespace abis
