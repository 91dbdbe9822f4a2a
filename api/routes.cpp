// The v1 route table. To add a route: declare the handler in api/handlers.h,
// implement it next to its resource, and add a line here with the least role
// it needs (kNone: open) and the pool it runs on: kCpu for model work (a
// forward pass, a scan of the catalog), kIo for store reads and writes that
// may wait on an fsync, kInline (the I/O thread) only for what is cheap.
#include "api/handlers.h"
#include "api/router.h"

namespace attnrec::api {

void add_v1_routes(Router& router, Role metrics_role) {
  using boost::beast::http::verb;
  constexpr Role kOpen = Role::kNone, kRead = Role::kRead, kWrite = Role::kWrite, kAdmin = Role::kAdmin;
  constexpr Pool kInline = Pool::kInline, kIo = Pool::kIo, kCpu = Pool::kCpu;
  router.add({verb::post, "/v1/events", nullptr, kWrite, kInline, post_events});  // queued to the store's committer
  router.add({verb::post, "/v1/items", post_items, kWrite});
  router.add({verb::put, "/v1/items/{item}", put_item, kWrite});
  router.add({verb::get, "/v1/items/{item}", get_item, kRead});
  router.add({verb::delete_, "/v1/items/{item}", delete_item, kWrite});
  router.add({verb::get, "/v1/users/{user}/history", get_history, kRead});
  router.add({verb::delete_, "/v1/users/{user}", delete_user, kWrite});
  router.add({verb::get, "/v1/users/{user}/recommendations", get_recommendations, kRead, kCpu});
  router.add({verb::get, "/v1/users/{user}/explain", get_explain, kRead, kCpu});
  router.add({verb::post, "/v1/recommendations", post_recommendations, kRead, kCpu});
  router.add({verb::post, "/v1/rank", post_rank, kRead, kCpu});
  router.add({verb::get, "/v1/items/{item}/similar", get_similar, kRead, kCpu});
  router.add({verb::get, "/v1/search", get_search, kRead, kCpu});
  router.add({verb::post, "/v1/search", post_search, kRead, kCpu});
  router.add({verb::post, "/v1/admin/train", post_train, kAdmin});
  router.add({verb::get, "/v1/admin/train/{job}", get_train_job, kAdmin});
  router.add({verb::delete_, "/v1/admin/train/{job}", delete_train_job, kAdmin});
  router.add({verb::get, "/v1/models", get_models, kRead});
  router.add({verb::post, "/v1/models/{version}/activate", post_activate_model, kAdmin});
  router.add({verb::get, "/healthz", get_healthz, kOpen, kInline});
  router.add({verb::get, "/openapi.json", get_openapi, kOpen, kInline});
  // The console's files are open: its API calls carry the key.
  router.add({verb::get, "/", get_console, kOpen, kInline});
  router.add({verb::get, "/console/{file}", get_console_file, kOpen, kInline});
  router.add({verb::get, "/readyz", get_readyz, kOpen, kInline});
  // stats() may read the store's properties: keep it off the I/O threads.
  router.add({verb::get, "/metrics", get_metrics, metrics_role, kIo});
}

}  // namespace attnrec::api
