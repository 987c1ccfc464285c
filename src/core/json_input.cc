#include "abis/core/json_input.h"

#include <string>

namespace abis {
namespace {

// The nesting depth of the deepest array or object, found by a scan that skips string contents;
// stops as soon as `limit` is passed. Also counts the values inside arrays and objects (openings
// and commas), into `elements`. Malformed text is left to the parser to report.
int MaxDepth(std::string_view text, int limit, std::size_t& where, std::size_t* elements = nullptr) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  std::size_t counted = 0;
  struct Store {
    std::size_t& counted;
    std::size_t* elements;
    ~Store() {
      if (elements != nullptr) *elements = counted;
    }
  } store{counted, elements};
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{' || c == ',') {
      ++counted;
      if (c == ',') continue;
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) {
        where = i;
        return deepest;
      }
    } else if (c == ']' || c == '}') {
      if (depth > 0) --depth;
    }
  }
  return deepest;
}

}  // namespace

bool JsonNestingWithin(std::string_view text, int max_depth) {
  std::size_t where = 0;
  return MaxDepth(text, max_depth, where) <= max_depth;
}

Result<nlohmann::json> ParseJsonInput(std::string_view text, std::string_view what, const JsonInputLimits& limits) {
  const std::string name(what);
  if (text.size() > limits.max_bytes) {
    return Status::ResourceExhausted(name + " is " + std::to_string(text.size()) + " bytes; the limit is " +
                                     std::to_string(limits.max_bytes));
  }
  std::size_t where = 0;
  std::size_t elements = 0;
  if (MaxDepth(text, limits.max_depth, where, &elements) > limits.max_depth) {
    return Status::InvalidArgument(name + " nests arrays and objects deeper than " + std::to_string(limits.max_depth) +
                                   " levels (at byte " + std::to_string(where) + ")");
  }
  if (elements > limits.max_elements) {
    return Status::ResourceExhausted(name + " holds more than " + std::to_string(limits.max_elements) +
                                     " values in arrays and objects");
  }
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& error) {
    // error.what() quotes the input near the error: only the offset and the kind are kept.
    std::string kind;
    std::string_view message = error.what();
    if (message.find("UTF-8") != std::string_view::npos || message.find("utf-8") != std::string_view::npos) {
      kind = ": a string that is not valid UTF-8";
    } else if (message.find("end of input") != std::string_view::npos) {
      kind = ": cut off before its end";
    }
    return Status::InvalidArgument(name + " is malformed JSON" + kind + " (at byte " + std::to_string(error.byte) + ")");
  } catch (const nlohmann::json::out_of_range&) {
    return Status::InvalidArgument(name + " holds a number too large to represent");
  } catch (const nlohmann::json::exception&) {
    return Status::InvalidArgument(name + " is not valid JSON");
  }
}

}  // namespace abis
