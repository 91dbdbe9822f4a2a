// Users: /v1/users/{user}/history, /v1/users/{user}, recommendations.
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "api/handlers.h"
#include "api/responses.h"
#include "api/decode.h"
#include "api/encode.h"
#include "service/json_codec.h"
#include "service/service.h"

namespace attnrec::api {

namespace http = boost::beast::http;
namespace json = boost::json;

HttpResponse get_history(const RequestContext& ctx) {
  size_t limit = 0;
  if (auto error = size_param(ctx.query, "limit", kDefaultHistoryLimit, 1, kMaxHistoryLimit,
                              &limit)) {
    return std::move(*error);
  }
  const std::string user = path_param(ctx, "user");
  std::vector<service::HistoryEvent> events;
  if (const Status s = ctx.svc.events().history(user, limit, &events); !s.is_ok()) {
    return status_response(s);
  }
  json::array list;
  list.reserve(events.size());
  for (const auto& e : events) list.emplace_back(encode_history_event(e));
  json::object out;
  out["user"] = user;
  out["events"] = std::move(list);
  return json_response(http::status::ok, out);
}

HttpResponse delete_user(const RequestContext& ctx) {
  if (const Status s = ctx.svc.events().erase_user(path_param(ctx, "user")); !s.is_ok()) {
    return status_response(s);
  }
  return no_content();
}

HttpResponse get_recommendations(const RequestContext& ctx) {
  service::RecommendRequest request;
  request.user = path_param(ctx, "user");
  if (auto e = k_param(ctx.query, &request.k)) {
    return std::move(*e);
  }
  if (auto e = bool_param(ctx.query, "exclude_seen", true, &request.exclude_seen)) {
    return std::move(*e);
  }
  if (auto e = bool_param(ctx.query, "explain", false, &request.explain)) return std::move(*e);
  request.tags = list_param(ctx.query, "tags");
  request.exclude = list_param(ctx.query, "exclude");

  service::Recommendations recs;
  if (const Status s = ctx.svc.recommender().recommend(request, &recs); !s.is_ok()) {
    return status_response(s);
  }
  unsigned char buffer[16 << 10];  // the JSON of k <= ~100 items without a malloc
  json::monotonic_resource mr(buffer, sizeof buffer);
  json::object out = encode_recommendations(recs, request.explain, &mr);
  out["user"] = request.user;
  return json_response(http::status::ok, json::value(std::move(out)));
}

}  // namespace attnrec::api
