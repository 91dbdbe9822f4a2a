// The v1 route table. To add a route: declare the handler in api/handlers.h,
// implement it next to its resource, and add a line here. `open` routes skip
// the API key; non-`blocking` routes run on the I/O thread and must be cheap.
#include "api/handlers.h"
#include "api/router.h"

namespace attnrec::api {

void add_v1_routes(Router& router) {
  using boost::beast::http::verb;
  router.add({verb::post, "/v1/events", post_events});
  router.add({verb::post, "/v1/items", post_items});
  router.add({verb::put, "/v1/items/{item}", put_item});
  router.add({verb::get, "/v1/items/{item}", get_item});
  router.add({verb::delete_, "/v1/items/{item}", delete_item});
  router.add({verb::get, "/v1/users/{user}/history", get_history});
  router.add({verb::delete_, "/v1/users/{user}", delete_user});
  router.add({verb::get, "/v1/users/{user}/recommendations", get_recommendations});
  router.add({verb::get, "/v1/users/{user}/explain", get_explain});
  router.add({verb::post, "/v1/recommendations", post_recommendations});
  router.add({verb::post, "/v1/rank", post_rank});
  router.add({verb::get, "/v1/items/{item}/similar", get_similar});
  router.add({verb::get, "/v1/search", get_search});
  router.add({verb::post, "/v1/search", post_search});
  router.add({verb::post, "/v1/admin/train", post_train});
  router.add({verb::get, "/v1/admin/train/{job}", get_train_job});
  router.add({verb::delete_, "/v1/admin/train/{job}", delete_train_job});
  router.add({verb::get, "/v1/models", get_models});
  router.add({verb::post, "/v1/models/{version}/activate", post_activate_model});
  router.add({verb::get, "/healthz", get_healthz, /*open=*/true, /*blocking=*/false});
  router.add({verb::get, "/openapi.json", get_openapi, /*open=*/true, /*blocking=*/false});
  router.add({verb::get, "/readyz", get_readyz, /*open=*/true, /*blocking=*/false});
  // stats() may read the store's properties: keep it off the I/O threads.
  router.add({verb::get, "/metrics", get_metrics, /*open=*/true, /*blocking=*/true});
}

}  // namespace attnrec::api
