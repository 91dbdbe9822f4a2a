#include "service/cluster/log_codec.h"

#include <boost/json.hpp>

namespace attnrec::service::cluster {

namespace json = boost::json;

std::string encode_events(std::string_view user, std::span<const storage::Event> events) {
  json::array list;
  list.reserve(events.size());
  for (const storage::Event& e : events) {
    json::object o;
    o["item"] = e.item;
    o["type"] = e.type;
    o["ts_ms"] = e.ts_ms;
    o["weight"] = e.weight;
    o["id"] = e.id;
    list.push_back(std::move(o));
  }
  json::object record;
  record["user"] = user;
  record["events"] = std::move(list);
  return json::serialize(record);
}

std::string encode_erase(std::string_view user) {
  json::object record;
  record["user"] = user;
  record["erase"] = true;
  return json::serialize(record);
}

namespace {

Status bad(std::string_view why) {
  return Status::corruption(std::string("event stream message: ") + std::string(why));
}

const json::string* string_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v == nullptr ? nullptr : v->if_string();
}

}  // namespace

Status decode_record(std::string_view payload, LogRecord* out) {
  *out = {};
  boost::system::error_code ec;
  const json::value v = json::parse(payload, ec);
  if (ec) return bad("not JSON: " + ec.message());
  const json::object* o = v.if_object();
  if (o == nullptr) return bad("not an object");
  const json::string* user = string_field(*o, "user");
  if (user == nullptr || user->empty()) return bad("no user");
  out->user.assign(user->data(), user->size());
  if (const json::value* e = o->if_contains("erase"); e != nullptr) {
    if (!e->is_bool() || !e->get_bool()) return bad("erase is not true");
    out->erase = true;
    return Status::ok();
  }
  const json::value* events = o->if_contains("events");
  if (events == nullptr || !events->is_array()) return bad("no events array");
  for (const json::value& ev : events->get_array()) {
    const json::object* eo = ev.if_object();
    if (eo == nullptr) return bad("an event is not an object");
    const json::string* item = string_field(*eo, "item");
    const json::string* type = string_field(*eo, "type");
    const json::string* id = string_field(*eo, "id");
    const json::value* ts = eo->if_contains("ts_ms");
    const json::value* w = eo->if_contains("weight");
    if (item == nullptr || type == nullptr || id == nullptr || ts == nullptr || !ts->is_int64() ||
        w == nullptr || !w->is_number()) {
      return bad("an event lacks item, type, ts_ms, weight or id");
    }
    storage::Event e;
    e.user = out->user;
    e.item.assign(item->data(), item->size());
    e.type.assign(type->data(), type->size());
    e.ts_ms = ts->get_int64();
    e.weight = static_cast<float>(w->to_number<double>());
    e.id.assign(id->data(), id->size());
    out->events.push_back(std::move(e));
  }
  if (out->events.empty()) return bad("no events");
  return Status::ok();
}

}  // namespace attnrec::service::cluster
