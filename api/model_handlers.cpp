// Model-backed answers: session recommendations, rank, similar items and
// explanations.
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

HttpResponse post_recommendations(const RequestContext& ctx) {
  json::object body;
  if (auto e = object_body(ctx.req, &body)) return std::move(*e);
  if (auto e = only_fields(body, {"history", "k", "exclude_seen", "tags", "exclude", "explain"})) {
    return std::move(*e);
  }
  if (!body.contains("history")) return invalid_argument("history: required (an array of item ids, oldest first)");
  service::RecommendRequest request;
  if (auto e = string_list_field(body, "history", &request.history)) return std::move(*e);
  if (auto e = k_field(body, &request.k)) return std::move(*e);
  if (auto e = bool_field(body, "exclude_seen", &request.exclude_seen)) return std::move(*e);
  if (auto e = string_list_field(body, "tags", &request.tags)) return std::move(*e);
  if (auto e = string_list_field(body, "exclude", &request.exclude)) return std::move(*e);
  if (auto e = bool_field(body, "explain", &request.explain)) return std::move(*e);
  service::Recommendations recs;
  if (const Status s = ctx.svc.recommender().recommend(request, &recs); !s.is_ok()) return status_response(s);
  return json_response(http::status::ok, encode_recommendations(recs, request.explain));
}

HttpResponse post_rank(const RequestContext& ctx) {
  json::object body;
  if (auto e = object_body(ctx.req, &body)) return std::move(*e);
  if (auto e = only_fields(body, {"user", "history", "items"})) return std::move(*e);
  if (body.contains("user") == body.contains("history")) {
    return invalid_argument("body: give either `user` or `history`, not both or neither");
  }
  if (!body.contains("items")) return invalid_argument("items: required (the candidates to rank)");
  service::RankRequest request;
  if (auto e = string_field(body, "user", &request.user)) return std::move(*e);
  if (body.contains("user") && request.user.empty()) return invalid_argument("user: must not be empty");
  if (auto e = string_list_field(body, "history", &request.history)) return std::move(*e);
  if (auto e = string_list_field(body, "items", &request.items)) return std::move(*e);
  service::RankResults ranked;
  if (const Status s = ctx.svc.recommender().rank(request, &ranked); !s.is_ok()) return status_response(s);
  unsigned char buffer[16 << 10];
  json::monotonic_resource mr(buffer, sizeof buffer);
  json::object out = encode_rank_results(ranked, &mr);
  if (!request.user.empty()) out["user"] = request.user;
  return json_response(http::status::ok, json::value(std::move(out)));
}

HttpResponse get_similar(const RequestContext& ctx) {
  size_t k = 0;
  if (auto e = k_param(ctx.query, &k)) return std::move(*e);
  const std::string item = path_param(ctx, "item");
  service::Recommendations similar;
  if (const Status s = ctx.svc.recommender().similar(item, k, &similar); !s.is_ok()) return status_response(s);
  json::object out = encode_recommendations(similar, false);
  out["item"] = item;
  return json_response(http::status::ok, out);
}

HttpResponse get_explain(const RequestContext& ctx) {
  const auto item = ctx.query.get("item");
  if (!item || item->empty()) return invalid_argument("item: required (the item to explain)");
  const std::string user = path_param(ctx, "user");
  service::AttentionMap ex;
  if (const Status s = ctx.svc.recommender().explain(user, *item, &ex); !s.is_ok()) return status_response(s);
  json::object out = encode_attention(ex);
  out["user"] = user;
  out["item"] = std::string(*item);
  return json_response(http::status::ok, out);
}

}  // namespace attnrec::api
