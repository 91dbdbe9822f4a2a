// From a parsed request to a response, without sockets: routing, the API key,
// readiness, and the catch-all that turns any exception into a 500. Split in
// two steps so the server can do the cheap part (route) on its I/O thread and
// the store-touching part (run) on its worker pool.
//
// Thread safety: const after construction; route() and run() may be called
// from any number of threads. The Service must outlive the Dispatcher.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/request.h"
#include "api/router.h"

namespace attnrec::api {

// The route template used as the metrics label for requests that match none.
inline constexpr std::string_view kUnmatchedRoute = "unmatched";

struct DispatcherOptions {
  std::string api_key;  // empty: no authentication
};

class Dispatcher {
 public:
  // The outcome of the cheap step.
  struct Routed {
    const Route* route = nullptr;        // set unless `early`
    UrlParams path;                          // decoded path parameters
    UrlParams query;                         // decoded query parameters
    std::optional<HttpResponse> early;    // 4xx/5xx decided without a handler
    std::string_view label = kUnmatchedRoute;  // metrics route label
    bool blocking() const { return route != nullptr && route->blocking; }
  };

  Dispatcher(service::Service& svc, DispatcherOptions options);

  // Matches the route and checks the API key, readiness and the query string.
  // Cheap and non-blocking.
  Routed route(const HttpRequest& req) const;

  // Runs the handler of a routed request (precondition: !routed.early).
  // Never throws: exceptions become a logged 500. The response is not yet
  // finalized (see finalize_response).
  HttpResponse run(const HttpRequest& req, const Routed& routed) const;

  // route + run + finalize_response: for tests and simple callers.
  HttpResponse handle(const HttpRequest& req) const;

  service::Service& service() const { return svc_; }
  const Router& router() const { return router_; }

 private:
  bool authorized(const HttpRequest& req) const;

  service::Service& svc_;
  DispatcherOptions options_;
  Router router_;
};

}  // namespace attnrec::api
