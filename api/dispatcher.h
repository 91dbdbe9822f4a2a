// From a parsed request to a response, without sockets: routing, API keys and roles,
// readiness, and the catch-all that turns any exception into a 500. Split in
// two steps so the server can do the cheap part (route) on its I/O thread and
// the store-touching part (run) on its worker pool.
//
// Thread safety: const after construction; route() and run() may be called
// from any number of threads. The Service must outlive the Dispatcher.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/auth.h"
#include "api/request.h"
#include "api/router.h"
#include "base/published.h"
#include "service/metrics.h"

namespace attnrec::api {

// The route template used as the metrics label for requests that match none.
inline constexpr std::string_view kUnmatchedRoute = "unmatched";

struct DispatcherOptions {
  ApiKeys keys;                  // empty: no authentication
  bool metrics_need_key = false;  // /metrics asks for a `read` key too
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
    // The route's pre-registered metrics series when the request's method is
    // the route's own (a HEAD on a GET route has none: the label is used).
    service::Metrics::RequestSeries* series = nullptr;
    Pool pool() const { return route != nullptr ? route->pool : Pool::kInline; }
  };

  Dispatcher(service::Service& svc, DispatcherOptions options);

  // Matches the route and checks the API key, readiness and the query string.
  // Cheap and non-blocking.
  Routed route(const HttpRequest& req) const;

  // Runs the handler of a routed request (precondition: !routed.early).
  // Never throws: exceptions become a logged 500. The response is not yet
  // finalized (see finalize_response).
  HttpResponse run(const HttpRequest& req, const Routed& routed) const;
  // The same for any route without waiting for an asynchronous one:
  // `respond` gets the (not yet finalized) response exactly once, on this
  // thread or another. Never throws.
  void run_async(const HttpRequest& req, const Routed& routed, Respond respond) const;

  // route + run + finalize_response: for tests and simple callers.
  HttpResponse handle(const HttpRequest& req) const;

  service::Service& service() const { return svc_; }

  // Replaces the API keys (SIGHUP); requests routed after it use the new set.
  void set_keys(ApiKeys keys) { keys_.store(std::make_shared<const ApiKeys>(std::move(keys))); }
  const Router& router() const { return router_; }

 private:
  // The 401/403 to send, or nothing when the request may go on.
  std::optional<HttpResponse> check_key(const HttpRequest& req, const Route& route) const;
  service::Service& svc_;
  Published<ApiKeys> keys_;  // read per request without a lock
  Router router_;
  std::vector<service::Metrics::RequestSeries*> series_;  // parallel to router_.routes()
};

}  // namespace attnrec::api
