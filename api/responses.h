// Building responses: JSON bodies, the uniform error body
// {"error":{"code":...,"message":...}}, and the mapping from Status
// codes to HTTP statuses (the only place that mapping lives).
#pragma once

#include <string>
#include <string_view>

#include <boost/beast/http/status.hpp>
#include <boost/json/value.hpp>

#include "api/request.h"
#include "base/status.h"

namespace attnrec::api {

inline constexpr std::string_view kJsonType = "application/json";
inline constexpr std::string_view kPrometheusType = "text/plain; version=0.0.4; charset=utf-8";

// A response with `body` serialized as JSON.
HttpResponse json_response(boost::beast::http::status status, const boost::json::value& body);

// An error response. For 500s pass a generic message; log details separately.
HttpResponse error_response(boost::beast::http::status status, std::string_view code,
                            std::string_view message);

// 204 No Content.
HttpResponse no_content();

// Maps a non-ok Status to its HTTP error. kInternal details are logged to
// stderr and replaced by a generic message.
HttpResponse status_response(const Status& status);

// Writes one line to stderr (thread-safe; whole lines, never interleaved).
void log_error(std::string_view what);

// Fills the headers every response carries (Server, version, keep-alive,
// Content-Length) from the request it answers. Call once per response.
void finalize_response(const HttpRequest& req, HttpResponse& res);

}  // namespace attnrec::api
