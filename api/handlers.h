// HTTP handlers: plain functions from a request to a response, testable
// without a socket. Each validates its input completely before calling the
// service, so a rejected request changes nothing. They may throw only on
// bugs; the dispatcher turns any exception into a 500.
//
// Thread safety: each call is independent; the Service is thread-safe.
#pragma once

#include "api/auth.h"
#include "api/request.h"
#include "api/router.h"

namespace attnrec::api {

class Router;

// Registers every v1 route (api/routes.cpp): the one table to edit.
// `metrics_role`: the role /metrics needs (kNone: open, for scrapers).
void add_v1_routes(Router& router, Role metrics_role = Role::kNone);

// Largest and default `limit` of GET /v1/users/{user}/history.
inline constexpr size_t kMaxHistoryLimit = 1000;
inline constexpr size_t kDefaultHistoryLimit = 50;

// api/event_handlers.cpp
// POST /v1/events: one event, or {"events":[...]} -> 200 {"accepted","duplicates"},
// answered once the events are durable (asynchronously: see Router's Respond).
void post_events(const RequestContext& ctx, Respond respond);

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

// api/model_handlers.cpp
// POST /v1/recommendations {"history":[...],"k",...}: session recommendations.
HttpResponse post_recommendations(const RequestContext& ctx);
// POST /v1/rank {"user"|"history","items":[...]}: every candidate, model order.
HttpResponse post_rank(const RequestContext& ctx);
// GET /v1/items/{item}/similar?k=: nearest items by embedding cosine.
HttpResponse get_similar(const RequestContext& ctx);
// GET /v1/users/{user}/explain?item=: attention of the last position.
HttpResponse get_explain(const RequestContext& ctx);

// api/search_handlers.cpp
// GET /v1/search?q=&user=&k=&tags=&personal_weight=
HttpResponse get_search(const RequestContext& ctx);
// POST /v1/search {"q","history",...}: personalised for a session.
HttpResponse post_search(const RequestContext& ctx);

// api/admin_handlers.cpp
// POST /v1/admin/train (optional overrides) -> 202 {"job"}.
HttpResponse post_train(const RequestContext& ctx);
// GET /v1/admin/train/{job}: state, progress, losses, metrics.
HttpResponse get_train_job(const RequestContext& ctx);
// DELETE /v1/admin/train/{job}: cancel -> 202 with the job.
HttpResponse delete_train_job(const RequestContext& ctx);
// GET /v1/models: versions with metrics and which one is active.
HttpResponse get_models(const RequestContext& ctx);
// POST /v1/models/{version}/activate: rollback / roll forward.
HttpResponse post_activate_model(const RequestContext& ctx);

// api/ops_handlers.cpp
HttpResponse get_healthz(const RequestContext& ctx);  // 200 while the process runs
HttpResponse get_readyz(const RequestContext& ctx);   // 200 when ready, else 503
HttpResponse get_metrics(const RequestContext& ctx);  // Prometheus text 0.0.4
HttpResponse get_openapi(const RequestContext& ctx);  // the OpenAPI 3 document
HttpResponse get_console(const RequestContext& ctx);       // / : the web console (web/)
HttpResponse get_console_file(const RequestContext& ctx);  // its scripts and styles

}  // namespace attnrec::api
