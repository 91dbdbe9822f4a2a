// Request decoding shared by handlers: the JSON body (Content-Type, parse)
// and typed query parameters. Each returns the error response to send, or
// nullopt when the value was read into *out.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "api/request.h"

namespace attnrec::api {

using MaybeError = std::optional<HttpResponse>;

// Requires a JSON Content-Type (415 otherwise) and a body that parses (400
// malformed_json otherwise). The value's memory comes from `sp` (default:
// the heap), e.g. a monotonic resource that outlives *out.
MaybeError parse_json_body(const HttpRequest& req, boost::json::value* out, boost::json::storage_ptr sp = {});

// True for "application/json" and "application/<x>+json", any parameters.
bool is_json_content_type(std::string_view content_type);

// An unsigned integer in [min, max]; `fallback` when absent. 422 otherwise.
MaybeError size_param(const UrlParams& query, std::string_view name, size_t fallback, size_t min,
                      size_t max, size_t* out);

// true/false/1/0; `fallback` when absent. 422 otherwise.
// The result count `k` of a query (default 10): a non-negative integer. Its
// range is checked once, by the service (check_k in service/validate.h),
// whichever way `k` arrives.
MaybeError k_param(const UrlParams& query, size_t* k);

MaybeError bool_param(const UrlParams& query, std::string_view name, bool fallback, bool* out);

// Comma-separated and/or repeated (`tags=a,b&tags=c`); empty items dropped.
std::vector<std::string> list_param(const UrlParams& query, std::string_view name);

// The array `field` ("events", "items") of a batch body: 422 when it is not a
// non-empty array, 413 when it holds more than `max` entries.
MaybeError batch_array(const boost::json::value* field, std::string_view name, size_t max,
                       const boost::json::array** out);

// A path parameter of the matched route (present by construction).
std::string path_param(const RequestContext& ctx, std::string_view name);

// 422 invalid_argument with `message`.
HttpResponse invalid_argument(std::string_view message);

}  // namespace attnrec::api
