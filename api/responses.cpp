#include "api/responses.h"

#include "service/codec.h"

#include <cstdio>
#include <mutex>

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

HttpResponse status_response(const service::Status& status) {
  using Code = service::Status::Code;
  switch (status.code()) {
    case Code::kInvalidArgument:
      return error_response(http::status::unprocessable_entity, "invalid_argument",
                            status.message());
    case Code::kMalformed:
      return error_response(http::status::bad_request, "malformed", status.message());
    case Code::kNotFound:
      return error_response(http::status::not_found, "not_found", status.message());
    case Code::kConflict:
      return error_response(http::status::conflict, "conflict", status.message());
    case Code::kTooLarge:
      return error_response(http::status::payload_too_large, "too_large", status.message());
    case Code::kUnavailable:
      return error_response(http::status::service_unavailable, "unavailable", status.message());
    case Code::kOk:  // a caller bug; answer as internal rather than pretend success
    case Code::kInternal:
      break;
  }
  log_error("internal error: " + status.message());
  return error_response(http::status::internal_server_error, "internal",
                        "internal server error");
}

void log_error(std::string_view what) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::fprintf(stderr, "attnrec: %.*s\n", static_cast<int>(what.size()), what.data());
  std::fflush(stderr);
}

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
