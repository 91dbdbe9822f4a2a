// The OpenAPI 3 document of the v1 API (api/openapi.json, compiled in).
#pragma once

#include <string_view>

namespace attnrec::api {

std::string_view openapi_document();

}  // namespace attnrec::api
