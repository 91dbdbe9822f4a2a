// Personalised search: GET /v1/search (stored user) and POST /v1/search
// (session history).
#include <charconv>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "api/body_fields.h"
#include "api/handlers.h"
#include "api/responses.h"
#include "api/decode.h"
#include "api/encode.h"
#include "service/json_codec.h"
#include "service/service.h"

namespace attnrec::api {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

HttpResponse run_search(const RequestContext& ctx, const service::SearchRequest& request) {
  service::SearchResults results;
  if (const Status s = ctx.svc.search().search(request, &results); !s.is_ok()) return status_response(s);
  json::object out = encode_search_results(results);
  out["query"] = request.query;
  if (!request.user.empty()) out["user"] = request.user;
  return json_response(http::status::ok, out);
}

}  // namespace

HttpResponse get_search(const RequestContext& ctx) {
  service::SearchRequest request;
  const auto q = ctx.query.get("q");
  if (!q) return invalid_argument("q: required (the text to search for)");
  request.query = std::string(*q);
  if (const auto user = ctx.query.get("user")) request.user = std::string(*user);
  if (auto e = k_param(ctx.query, &request.k)) return std::move(*e);
  request.tags = list_param(ctx.query, "tags");
  if (const auto w = ctx.query.get("personal_weight")) {
    double x = 0;
    const auto [end, ec] = std::from_chars(w->data(), w->data() + w->size(), x);
    if (ec != std::errc() || end != w->data() + w->size()) {
      return invalid_argument("personal_weight: expected a number from 0 to 1");
    }
    request.personal_weight = x;
  }
  return run_search(ctx, request);
}

HttpResponse post_search(const RequestContext& ctx) {
  json::object body;
  if (auto e = object_body(ctx.req, &body)) return std::move(*e);
  if (auto e = only_fields(body, {"q", "history", "k", "tags", "personal_weight"})) return std::move(*e);
  service::SearchRequest request;
  if (!body.contains("q")) return invalid_argument("q: required (the text to search for)");
  if (auto e = string_field(body, "q", &request.query)) return std::move(*e);
  if (auto e = string_list_field(body, "history", &request.history)) return std::move(*e);
  if (auto e = k_field(body, &request.k)) return std::move(*e);
  if (auto e = string_list_field(body, "tags", &request.tags)) return std::move(*e);
  double weight = 0;
  if (body.contains("personal_weight")) {
    if (auto e = number_field(body, "personal_weight", 0, 1, &weight)) return std::move(*e);
    request.personal_weight = weight;
  }
  return run_search(ctx, request);
}

}  // namespace attnrec::api
