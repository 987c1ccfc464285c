// Parsing of enum values from their stable lower-case names, with an error that lists the
// accepted names ("unknown role 'root' (expected one of: admin, enroller, ...)").
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "abis/core/status.h"

namespace abis {

// Returns the enum whose index in `names` is `name`'s, or kInvalidArgument naming `what`.
template <typename Enum, std::size_t N>
Result<Enum> ParseEnumName(const std::array<std::string_view, N>& names, std::string_view name, std::string_view what) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  std::string expected;
  for (auto candidate : names) expected += (expected.empty() ? "" : ", ") + std::string(candidate);
  return Status::InvalidArgument("unknown " + std::string(what) + " '" + std::string(name) +
                                 "' (expected one of: " + expected + ")");
}

}  // namespace abis
