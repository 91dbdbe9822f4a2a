#include "api/responses.h"

#include "base/log.h"
#include "service/json_codec.h"


#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>

namespace attnrec::api {

namespace http = boost::beast::http;
namespace json = boost::json;

HttpResponse json_response(http::status status, const json::value& body) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, kJsonType);
  res.body() = service::serialize_json(body);
  return res;
}

HttpResponse error_response(http::status status, std::string_view code,
                            std::string_view message) {
  json::object error;
  error["code"] = code;
  error["message"] = message;
  json::object body;
  body["error"] = std::move(error);
  return json_response(status, body);
}

HttpResponse no_content() { return HttpResponse{http::status::no_content, 11}; }

namespace {

// The one mapping from the error vocabulary (base/status.h) to HTTP.
struct ErrorMapping {
  http::status status;
  std::string_view code;  // the machine code in the body
  bool internal;          // the caller is not told the message; it is logged
};

ErrorMapping mapping(Status::Code code) {
  using Code = Status::Code;
  switch (code) {
    case Code::kInvalidArgument: return {http::status::unprocessable_entity, "invalid_argument", false};
    case Code::kMalformed: return {http::status::bad_request, "malformed", false};
    case Code::kNotFound: return {http::status::not_found, "not_found", false};
    case Code::kConflict: return {http::status::conflict, "conflict", false};
    case Code::kTooLarge: return {http::status::payload_too_large, "too_large", false};
    case Code::kUnavailable: return {http::status::service_unavailable, "unavailable", false};
    case Code::kCancelled: return {http::status::conflict, "cancelled", false};
    case Code::kOk:  // a caller bug; answer as internal rather than pretend success
    case Code::kCorruption:
    case Code::kIOError:
    case Code::kInternal: break;
  }
  return {http::status::internal_server_error, "internal", true};
}

}  // namespace

HttpResponse status_response(const Status& status) {
  const ErrorMapping m = mapping(status.code());
  if (!m.internal) return error_response(m.status, m.code, status.message());
  log_error("internal error: " + status.message());
  return error_response(m.status, m.code, "internal server error");
}

void log_error(std::string_view what) { log::error(what); }

void finalize_response(const HttpRequest& req, HttpResponse& res) {
  res.version(req.version() == 10 ? 10 : 11);
  res.set(http::field::server, "attnrec");
  res.keep_alive(req.keep_alive());
  if (req.method() == http::verb::head) {
    // HEAD: the headers of the GET, without the body.
    const auto n = res.body().size();
    res.body().clear();
    if (res.result() != http::status::no_content) res.content_length(n);
  } else {
    res.prepare_payload();
  }
}

}  // namespace attnrec::api
