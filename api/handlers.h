// HTTP handlers: plain functions from a request to a response, testable
// without a socket. Each validates its input completely before calling the
// service, so a rejected request changes nothing. They may throw only on
// bugs; the dispatcher turns any exception into a 500.
//
// Thread safety: each call is independent; the Recommender is thread-safe.
#pragma once

#include "api/request.h"

namespace attnrec::api {

class Router;

// Registers every v1 route (api/routes.cpp): the one table to edit.
void add_v1_routes(Router& router);

// Largest and default `limit` of GET /v1/users/{user}/history.
inline constexpr size_t kMaxHistoryLimit = 1000;
inline constexpr size_t kDefaultHistoryLimit = 50;

// api/event_handlers.cpp
// POST /v1/events: one event, or {"events":[...]} -> 200 {"accepted","duplicates"}.
HttpResponse post_events(const RequestContext& ctx);

// api/item_handlers.cpp
// PUT /v1/items/{item} -> 200 with the stored item.
HttpResponse put_item(const RequestContext& ctx);
// GET /v1/items/{item} -> 200 item, 404.
HttpResponse get_item(const RequestContext& ctx);
// DELETE /v1/items/{item} -> 204, 404.
HttpResponse delete_item(const RequestContext& ctx);
// POST /v1/items {"items":[...]} -> 200 {"upserted":N}; all or nothing.
HttpResponse post_items(const RequestContext& ctx);

// api/user_handlers.cpp
// GET /v1/users/{user}/history?limit= -> 200 {"user","events":[...]} newest last.
HttpResponse get_history(const RequestContext& ctx);
// DELETE /v1/users/{user} -> 204, 404.
HttpResponse delete_user(const RequestContext& ctx);
// GET /v1/users/{user}/recommendations?k=&exclude_seen=&tags=&exclude=&explain=
HttpResponse get_recommendations(const RequestContext& ctx);

// api/ops_handlers.cpp
HttpResponse get_healthz(const RequestContext& ctx);  // 200 while the process runs
HttpResponse get_readyz(const RequestContext& ctx);   // 200 when ready, else 503
HttpResponse get_metrics(const RequestContext& ctx);  // Prometheus text 0.0.4

}  // namespace attnrec::api
