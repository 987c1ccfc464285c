// The service's OpenAPI 3 document (docs/openapi.json), compiled in at build time and served at
// GET /v1/openapi.json. The test ServiceTest.OpenApiDocumentListsEveryRouteAndNothingElse keeps
// it in step with the routes.
#pragma once

#include <string_view>

namespace abis::service {

std::string_view OpenApiDocument();

}  // namespace abis::service
