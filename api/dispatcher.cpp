#include "api/dispatcher.h"

#include <atomic>
#include <future>
#include <memory>

#include <exception>

#include <boost/beast/http/field.hpp>

#include "api/handlers.h"
#include "api/responses.h"
#include "service/service.h"

namespace attnrec::api {

namespace http = boost::beast::http;

Dispatcher::Dispatcher(service::Service& svc, DispatcherOptions options)
    : svc_(svc), keys_(std::make_shared<const ApiKeys>(std::move(options.keys))) {
  add_v1_routes(router_, options.metrics_need_key ? Role::kRead : Role::kNone);
  for (const Route& r : router_.routes()) {
    series_.push_back(svc_.metrics().request_series(http::to_string(r.method), r.pattern));
  }
}

std::optional<HttpResponse> Dispatcher::check_key(const HttpRequest& req, const Route& route) const {
  const Role needed = route.role;
  if (needed == Role::kNone) return std::nullopt;
  const auto keys = keys_.load();
  if (keys->empty()) return std::nullopt;
  const Role role = keys->role_of(request_key(req));
  if (role == Role::kNone) {
    HttpResponse res = error_response(http::status::unauthorized, "unauthorized",
                                      "missing or unknown API key (Authorization: Bearer KEY or "
                                      "X-API-Key)");
    res.set(http::field::www_authenticate, "Bearer");
    return res;
  }
  if (role < needed) {
    return error_response(http::status::forbidden, "forbidden",
                          "this key's role is " + std::string(role_name(role)) + "; " +
                              std::string(req.method_string()) + " " + route.pattern + " needs " +
                              std::string(role_name(needed)));
  }
  return std::nullopt;
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
  if (req.method() == match.route->method) {
    out.series = series_[size_t(match.route - router_.routes().data())];
  }
  out.path = std::move(match.path);
  if (auto denied = check_key(req, *match.route)) {
    out.early = std::move(denied);
    return out;
  }
  if (match.route->role != Role::kNone && !svc_.ready()) {
    out.early = error_response(http::status::service_unavailable, "not_ready",
                               "the service is starting");
    return out;
  }
  if (const Status s = parse_query(query, &out.query); !s.is_ok()) {
    out.early = error_response(http::status::bad_request, "bad_query", s.message());
  }
  return out;
}

namespace {

// Inside a catch block: logs the exception in flight and gives the 500.
HttpResponse unhandled(const HttpRequest& req, const Dispatcher::Routed& routed) {
  const std::string where = std::string(req.method_string()) + " " + std::string(routed.label);
  try {
    throw;
  } catch (const std::exception& e) {
    log_error(where + ": unhandled exception: " + e.what());
  } catch (...) {
    log_error(where + ": unhandled non-standard exception");
  }
  return error_response(http::status::internal_server_error, "internal", "internal server error");
}

}  // namespace

void Dispatcher::run_async(const HttpRequest& req, const Routed& routed, Respond respond) const {
  if (routed.route->async_handler == nullptr) {
    respond(run(req, routed));
    return;
  }
  // Exactly once, also when the handler throws after handing `respond` on.
  auto answered = std::make_shared<std::atomic<bool>>(false);
  Respond once = [answered, respond](HttpResponse res) {
    if (!answered->exchange(true)) respond(std::move(res));
  };
  const RequestContext ctx{req, routed.path, routed.query, svc_};
  try {
    routed.route->async_handler(ctx, once);
  } catch (...) {
    once(unhandled(req, routed));
  }
}

HttpResponse Dispatcher::run(const HttpRequest& req, const Routed& routed) const {
  if (routed.route->async_handler != nullptr) {
    std::promise<HttpResponse> answer;
    std::future<HttpResponse> later = answer.get_future();
    run_async(req, routed, [&answer](HttpResponse res) { answer.set_value(std::move(res)); });
    return later.get();
  }
  const RequestContext ctx{req, routed.path, routed.query, svc_};
  try {
    return routed.route->handler(ctx);
  } catch (...) {
    return unhandled(req, routed);
  }
}

HttpResponse Dispatcher::handle(const HttpRequest& req) const {
  Routed routed = route(req);
  HttpResponse res = routed.early ? std::move(*routed.early) : run(req, routed);
  finalize_response(req, res);
  return res;
}

}  // namespace attnrec::api
