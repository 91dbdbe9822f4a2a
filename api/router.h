// Method + path-template routing. Templates are literal segments and
// `{name}` parameters, one per segment: "/v1/users/{user}/history". A
// parameter matches one non-empty segment and is percent-decoded after the
// path is split, so "%2F" stays inside one id. Decoded values must be UTF-8.
//
// Adding a route: write `HttpResponse my_handler(const RequestContext&)` and
// add one line to add_v1_routes() in api/routes.cpp.
//
// Thread safety: build the table (add) before serving; match() is const and
// may then be called from any thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

#include <boost/beast/http/verb.hpp>

#include "api/auth.h"
#include "api/request.h"

namespace attnrec::api {

using Handler = HttpResponse (*)(const RequestContext&);
// A handler that answers later: it calls `respond` exactly once, on its own
// thread or another (e.g. the store's committing thread), after reading
// what it needs of the request (which may be gone by then).
using Respond = std::function<void(HttpResponse)>;
using AsyncHandler = void (*)(const RequestContext&, Respond respond);

// Where a route's handler runs (api/server.h).
enum class Pool {
  kInline,  // on the I/O thread: cheap and never blocking (an asynchronous
            // route's handler only starts its work there, e.g. queues a write)
  kIo,      // on the I/O pool: touches the store, may wait on an fsync
  kCpu,     // on the CPU pool (about one thread per core): model work
};

struct Route {
  boost::beast::http::verb method;
  std::string pattern;  // the template; also the metrics label
  Handler handler;
  // The least role a key must have (api/auth.h); kNone: open to anyone,
  // also before the service is ready (liveness, readiness, metrics).
  Role role = Role::kRead;
  Pool pool = Pool::kIo;
  // Set instead of `handler` for a route answered asynchronously.
  AsyncHandler async_handler = nullptr;
};

struct RouteMatch {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed, kBadPath };
  Kind kind = Kind::kNotFound;
  const Route* route = nullptr;  // kFound
  UrlParams path;                   // kFound: decoded parameters
  std::string_view pattern;      // kFound, kMethodNotAllowed: the matched template
  std::string allow;             // kMethodNotAllowed: "GET, PUT"
  std::string error;             // kBadPath: what is wrong with the path
};

class Router {
 public:
  // Precondition: `pattern` starts with '/', every `{name}` fills a segment.
  void add(Route route);

  // `path` is the raw path without the query string. HEAD matches GET
  // routes. Among templates matching the path, the one with the most literal
  // segments wins ("/v1/admin/train" over "/v1/admin/{x}").
  RouteMatch match(boost::beast::http::verb method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Segment {
    std::string text;  // literal text, or the parameter name
    bool param = false;
  };
  struct Entry {
    std::vector<Segment> segments;
    size_t literals = 0;
  };
  std::vector<Route> routes_;
  std::vector<Entry> entries_;  // parallel to routes_
};

// Splits a request target into path and query ("/a?b=c" -> "/a", "b=c").
void split_target(std::string_view target, std::string_view* path, std::string_view* query);

// Percent-decodes `in`; with `plus_is_space` (query strings) '+' means ' '.
// nullopt on a bad escape ("%G1", "%4") or when the result is not well-formed
// UTF-8 (service::is_utf8).
std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space = false);

// Parses "a=1&b=x%20y&flag" into params (a bare name has an empty value).
// kMalformed naming the pair on a bad escape or text that is not UTF-8.
Status parse_query(std::string_view query, UrlParams* out);

}  // namespace attnrec::api
