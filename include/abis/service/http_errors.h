// How a Status becomes an HTTP answer: the status code, and the JSON error body {code, message}
// of the OSIA Error schema (code = the HTTP status; message = "<status name>: <what and where>").
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "abis/core/status.h"

namespace abis::service {

// invalid_argument 400, unauthenticated 401, permission_denied 403, not_found 404,
// already_exists and failed_precondition 409, resource_exhausted 413, unimplemented 501,
// data_loss, io_error and internal 500.
int HttpStatusFor(const Status& status);

// {"code": <http status>, "message": "<status name>: <message>"}.
nlohmann::json ErrorBody(int http_status, const Status& status);

}  // namespace abis::service
