// The values a handler sees: the parsed HTTP request, its decoded path
// parameters and query string, and the service it acts on. Plain values; no
// socket code. Handlers are `HttpResponse f(const RequestContext&)`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace attnrec::service { class Service; }

namespace attnrec::api {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Ordered name/value pairs, already percent-decoded. Lookups are linear: a
// request has a handful of parameters.
class UrlParams {
 public:
  void add(std::string name, std::string value) {
    items_.emplace_back(std::move(name), std::move(value));
  }
  // The first value of `name`, if present.
  std::optional<std::string_view> get(std::string_view name) const;
  // Every value of `name`, in order (`?tags=a&tags=b`).
  std::vector<std::string_view> all(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
  bool empty() const { return items_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// Everything a handler needs. References are valid for the handler's call.
struct RequestContext {
  const HttpRequest& req;
  const UrlParams& path;   // from the route template, e.g. {"user", "u1"}
  const UrlParams& query;  // from the query string
  service::Service& svc;
};

}  // namespace attnrec::api
