#include "abis/core/json_input.h"

#include <string>

namespace abis {
namespace {

// One pass over the text that skips string contents: the nesting depth of the deepest array or
// object (the scan stops as soon as it passes `limit`, with `where` the byte that did), and the
// number of values inside arrays and objects (openings and commas). Malformed text is left to the
// parser to report.
struct JsonShape {
  int deepest = 0;
  std::size_t elements = 0;
  std::size_t where = 0;
};

JsonShape ScanShape(std::string_view text, int limit) {
  JsonShape shape;
  int depth = 0;
  bool in_string = false;
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
    } else if (c == ',') {
      ++shape.elements;
    } else if (c == '[' || c == '{') {
      ++shape.elements;
      if (++depth > shape.deepest) shape.deepest = depth;
      if (shape.deepest > limit) {
        shape.where = i;
        return shape;
      }
    } else if (c == ']' || c == '}') {
      if (depth > 0) --depth;
    }
  }
  return shape;
}

}  // namespace

bool JsonNestingWithin(std::string_view text, int max_depth) { return ScanShape(text, max_depth).deepest <= max_depth; }

Result<nlohmann::json> ParseJsonInput(std::string_view text, std::string_view what, const JsonInputLimits& limits) {
  const std::string name(what);
  if (text.size() > limits.max_bytes) {
    return Status::ResourceExhausted(name + " is " + std::to_string(text.size()) + " bytes; the limit is " +
                                     std::to_string(limits.max_bytes));
  }
  const JsonShape shape = ScanShape(text, limits.max_depth);
  if (shape.deepest > limits.max_depth) {
    return Status::InvalidArgument(name + " nests arrays and objects deeper than " + std::to_string(limits.max_depth) +
                                   " levels (at byte " + std::to_string(shape.where) + ")");
  }
  if (shape.elements > limits.max_elements) {
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
