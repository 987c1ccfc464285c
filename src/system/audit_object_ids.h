// The object_ids of an audit entry: {"persons": [...], "templates": [...], ...}. Internal to
// the system module.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace abis {

inline nlohmann::json Ids(std::initializer_list<std::pair<const char*, std::vector<std::int64_t>>> kinds) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [kind, ids] : kinds) out[kind] = ids;
  return out;
}

}  // namespace abis
