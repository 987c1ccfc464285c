// A request as the service's handlers see it (independent of httplib, so a task can run it
// later), the reply they give, and the handler type. Internal to the service library.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "abis/core/status.h"
#include "abis/system/abis_system.h"

namespace abis::service {

struct Call {
  Operator op;
  std::string method;
  std::vector<std::string> path;  // regex captures, in order
  std::multimap<std::string, std::string> query;
  nlohmann::json body;  // null when the route takes no body

  std::string Query(const std::string& name) const {
    auto found = query.find(name);
    return found == query.end() ? std::string() : found->second;
  }
  bool HasQuery(const std::string& name) const { return query.contains(name); }
};

struct Reply {
  int status = 200;
  nlohmann::json body;  // null: no body (204)
  std::map<std::string, std::string> headers;
};

using Handler = std::function<Result<Reply>(AbisSystem&, const Call&)>;

}  // namespace abis::service
