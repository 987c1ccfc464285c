// JSON text that cannot fail: strings that are not valid UTF-8 (which nlohmann::json's dump()
// throws on) are written with U+FFFD in place of each bad byte. Use it wherever JSON leaves the
// process or goes into the store, so that a stray byte from outside can never turn into an
// exception half-way through a transaction or an export.
// Thread-safety: pure function.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace abis {

// `value` serialised; `indent` < 0: compact, one line.
std::string ToJsonText(const nlohmann::json& value, int indent = -1);

}  // namespace abis
