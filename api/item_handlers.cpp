// The catalog: /v1/items and /v1/items/{item}.
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "api/handlers.h"
#include "api/responses.h"
#include "api/decode.h"
#include "service/json_codec.h"
#include "service/service.h"

namespace attnrec::api {

namespace http = boost::beast::http;
namespace json = boost::json;

HttpResponse put_item(const RequestContext& ctx) {
  json::value body;
  if (auto error = parse_json_body(ctx.req, &body)) return std::move(*error);
  service::Item item;
  if (const Status s = service::decode_item(body, &item); !s.is_ok()) {
    return status_response(s);
  }
  const std::string id = path_param(ctx, "item");
  if (!item.id.empty() && item.id != id) {
    return invalid_argument("`id` '" + item.id + "' in the body differs from the URL's '" + id +
                            "'");
  }
  item.id = id;
  if (const Status s = ctx.svc.catalog().put(item); !s.is_ok()) return status_response(s);
  // Answer with the stored form (it carries the service's updated time). A
  // concurrent delete in between leaves us with what we sent.
  service::Item stored;
  if (ctx.svc.catalog().get(id, &stored).is_ok()) item = std::move(stored);
  return json_response(http::status::ok, service::encode_item(item));
}

HttpResponse get_item(const RequestContext& ctx) {
  service::Item item;
  if (const Status s = ctx.svc.catalog().get(path_param(ctx, "item"), &item); !s.is_ok()) {
    return status_response(s);
  }
  return json_response(http::status::ok, service::encode_item(item));
}

HttpResponse delete_item(const RequestContext& ctx) {
  if (const Status s = ctx.svc.catalog().erase(path_param(ctx, "item")); !s.is_ok()) {
    return status_response(s);
  }
  return no_content();
}

HttpResponse post_items(const RequestContext& ctx) {
  json::value body;
  if (auto error = parse_json_body(ctx.req, &body)) return std::move(*error);
  const json::object* object = body.if_object();
  const json::value* list = object ? object->if_contains("items") : nullptr;
  if (list == nullptr || object->size() != 1) {
    return invalid_argument("the body must be {\"items\":[...]}");
  }
  const json::array* array = nullptr;
  if (auto error = batch_array(list, "items", ctx.svc.config().max_batch_items, &array)) {
    return std::move(*error);
  }
  std::vector<service::Item> items(array->size());
  for (size_t i = 0; i < array->size(); ++i) {
    const std::string prefix = "items[" + std::to_string(i) + "]: ";
    if (const Status s = service::decode_item((*array)[i], &items[i]); !s.is_ok()) {
      return status_response(s.with_prefix(prefix));
    }
    if (items[i].id.empty()) return invalid_argument(prefix + "`id` is required");
  }
  const size_t n = items.size();
  if (const Status s = ctx.svc.catalog().put(std::move(items)); !s.is_ok()) {
    return status_response(s);
  }
  json::object out;
  out["upserted"] = n;
  return json_response(http::status::ok, out);
}

}  // namespace attnrec::api
