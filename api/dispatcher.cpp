#include "api/dispatcher.h"

#include <exception>

#include <boost/beast/http/field.hpp>

#include "api/handlers.h"
#include "api/responses.h"
#include "service/service.h"

namespace attnrec::api {

namespace http = boost::beast::http;

namespace {

// Compares without an early exit so the key cannot be guessed byte by byte
// from response times.
bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = a.size() < b.size() ? a.size() : b.size();
  for (size_t i = 0; i < n; ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

Dispatcher::Dispatcher(service::Service& svc, DispatcherOptions options)
    : svc_(svc), options_(std::move(options)) {
  add_v1_routes(router_);
}

bool Dispatcher::authorized(const HttpRequest& req) const {
  if (options_.api_key.empty()) return true;
  if (auto it = req.find("X-API-Key"); it != req.end()) {
    return constant_time_equal(it->value(), options_.api_key);
  }
  if (auto it = req.find(http::field::authorization); it != req.end()) {
    constexpr std::string_view kBearer = "Bearer ";
    const std::string_view value = it->value();
    return value.size() > kBearer.size() && value.substr(0, kBearer.size()) == kBearer &&
           constant_time_equal(value.substr(kBearer.size()), options_.api_key);
  }
  return false;
}

Dispatcher::Routed Dispatcher::route(const HttpRequest& req) const {
  Routed out;
  std::string_view path, query;
  split_target(req.target(), &path, &query);
  RouteMatch match = router_.match(req.method(), path);
  switch (match.kind) {
    case RouteMatch::Kind::kNotFound:
      out.early = error_response(http::status::not_found, "route_not_found",
                                 "no route for " + std::string(path));
      return out;
    case RouteMatch::Kind::kMethodNotAllowed:
      out.label = match.pattern;  // a known path: its template bounds cardinality too
      out.early = error_response(http::status::method_not_allowed, "method_not_allowed",
                                 std::string(req.method_string()) + " is not allowed on " +
                                     std::string(path) + "; allowed: " + match.allow);
      out.early->set(http::field::allow, match.allow);
      return out;
    case RouteMatch::Kind::kBadPath:
      out.early = error_response(http::status::bad_request, "bad_path", match.error);
      return out;
    case RouteMatch::Kind::kFound:
      break;
  }
  out.route = match.route;
  out.label = match.route->pattern;
  out.path = std::move(match.path);
  if (!match.route->open && !authorized(req)) {
    out.early = error_response(http::status::unauthorized, "unauthorized",
                               "missing or wrong API key (Authorization: Bearer KEY or "
                               "X-API-Key)");
    out.early->set(http::field::www_authenticate, "Bearer");
    return out;
  }
  if (!match.route->open && !svc_.ready()) {
    out.early = error_response(http::status::service_unavailable, "not_ready",
                               "the service is starting");
    return out;
  }
  if (const Status s = parse_query(query, &out.query); !s.is_ok()) {
    out.early = error_response(http::status::bad_request, "bad_query", s.message());
  }
  return out;
}

HttpResponse Dispatcher::run(const HttpRequest& req, const Routed& routed) const {
  const RequestContext ctx{req, routed.path, routed.query, svc_};
  try {
    return routed.route->handler(ctx);
  } catch (const std::exception& e) {
    log_error(std::string(req.method_string()) + " " + std::string(routed.label) +
              ": unhandled exception: " + e.what());
  } catch (...) {
    log_error(std::string(req.method_string()) + " " + std::string(routed.label) +
              ": unhandled non-standard exception");
  }
  return error_response(http::status::internal_server_error, "internal",
                        "internal server error");
}

HttpResponse Dispatcher::handle(const HttpRequest& req) const {
  Routed routed = route(req);
  HttpResponse res = routed.early ? std::move(*routed.early) : run(req, routed);
  finalize_response(req, res);
  return res;
}

}  // namespace attnrec::api
