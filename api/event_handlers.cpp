// POST /v1/events.
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <boost/json/monotonic_resource.hpp>

#include "api/handlers.h"
#include "api/responses.h"
#include "api/decode.h"
#include "service/json_codec.h"
#include "service/service.h"

namespace attnrec::api {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

// The body as events: one event, or {"events":[...]}.
MaybeError decode_events(const RequestContext& ctx, std::vector<service::EventInput>* events) {
  // The parsed body is read once and dropped: one arena instead of a heap
  // allocation per value (a batch of 100 events is ~500 of them). Declared
  // before `body`, which uses it.
  unsigned char arena[16 << 10];
  json::monotonic_resource resource(arena, sizeof arena);
  json::value body;
  if (auto error = parse_json_body(ctx.req, &body, &resource)) return error;
  if (!body.is_object()) {
    return invalid_argument("the body must be an event object or {\"events\":[...]}");
  }
  const json::object& object = body.get_object();
  if (const json::value* list = object.if_contains("events")) {
    // An event has no "events" field, so this is a batch.
    if (object.size() != 1) {
      return invalid_argument("a batch is {\"events\":[...]} with no other field");
    }
    const json::array* array = nullptr;
    if (auto error = batch_array(list, "events", ctx.svc.config().max_batch_events, &array)) {
      if (error->result() == http::status::payload_too_large) {
        ctx.svc.metrics().add_events_rejected(list->get_array().size());
      }
      return error;
    }
    events->resize(array->size());
    for (size_t i = 0; i < array->size(); ++i) {
      const Status s = service::decode_event((*array)[i], &(*events)[i]);
      if (!s.is_ok()) {
        ctx.svc.metrics().add_events_rejected(array->size());
        return status_response(s.with_prefix("events[" + std::to_string(i) + "]: "));
      }
    }
    return std::nullopt;
  }
  events->resize(1);
  const Status s = service::decode_event(body, &(*events)[0]);
  if (!s.is_ok()) {
    ctx.svc.metrics().add_events_rejected(1);
    return status_response(s);
  }
  return std::nullopt;
}

}  // namespace

void post_events(const RequestContext& ctx, Respond respond) {
  std::vector<service::EventInput> events;
  if (auto error = decode_events(ctx, &events)) return respond(std::move(*error));
  // The answer comes from the store's committing thread once the events are
  // durable; no thread waits for the fsync meanwhile.
  const Status s = ctx.svc.events().ingest_async(events, [respond](Status st, service::IngestResult result) {
    if (!st.is_ok()) return respond(status_response(st));
    json::object out;
    out["accepted"] = result.accepted;
    out["duplicates"] = result.duplicates;
    respond(json_response(http::status::ok, out));
  });
  if (!s.is_ok()) respond(status_response(s));
}

}  // namespace attnrec::api
