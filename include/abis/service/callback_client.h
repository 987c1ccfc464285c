// Outgoing HTTP POSTs of the service: OSIA task callbacks and watchlist-alert webhooks. Targets
// are checked before any request is made: http or https only, and the host must be a loopback
// address (127.0.0.0/8, localhost, [::1]) or listed in `allowed_hosts` by the operator of the
// service; anything else is refused (no requests to arbitrary hosts from a biometric system).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "abis/core/status.h"

namespace abis::service {

struct CallbackTarget {
  std::string scheme_host_port;  // "http://127.0.0.1:8080"
  std::string host;
  std::string path;              // "/callback" (with any query of the URL)
};

// Parses and checks `url` (see the file comment). Errors name the URL and what is wrong.
Result<CallbackTarget> ParseCallbackUrl(std::string_view url, const std::vector<std::string>& allowed_hosts);

// POSTs `body` to the target, appending `extra_query` ("a=1&b=2", already encoded) to its path.
// A 2xx answer is success; anything else (or no answer within `timeout`) is kIoError.
Status PostJson(const CallbackTarget& target, const std::string& extra_query, const std::string& content_type,
                const std::string& body, std::chrono::milliseconds timeout);

// Percent-encodes a query parameter value (RFC 3986 unreserved characters pass through).
std::string EncodeQueryValue(std::string_view value);

}  // namespace abis::service
