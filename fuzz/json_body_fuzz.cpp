// libFuzzer target: every decoder of a JSON request body, on the bytes as a
// body. parse_json_body and object_body (api/decode.h, body_fields.h) as the
// handlers call them; then decode_event and decode_item
// (service/json_codec.h) on the value and on each element of its "events" /
// "items" array, the typed field readers (api/body_fields.h) on the names
// the handlers read, and decode_train_options (api/train_options.h) with the
// service's defaults. Properties checked besides "no crash, no UB":
//   - an item that decodes encodes to JSON that decodes to the same item;
//   - serialize_json's text parses back to the same value.
// "The same" allows a double to come back as the equal integer ("1.0" is
// written "1") or a few ulps off: Boost 1.81's parser is not correctly
// rounded (-9.15e301 read, written shortest, and read again is 1 ulp off;
// exact parsing, parse_options::numbers, came in Boost 1.83).
//   - a string that parses as RFC 3339 formats back to text that parses to
//     the same instant.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "api/body_fields.h"
#include "api/decode.h"
#include "api/train_options.h"
#include "service/config.h"
#include "service/json_codec.h"
#include "service/validate.h"

namespace {

namespace json = boost::json;
using namespace attnrec;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "property failed: %s\n", what);
    std::abort();
  }
}

bool close(double a, double b) {
  return a == b || std::fabs(a - b) <= 4 * std::numeric_limits<double>::epsilon() * std::fabs(a);
}

// a, as written by serialize_json and read again, is b.
bool same(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_double() || b.is_double()) return close(a.to_number<double>(), b.to_number<double>());
    return a == b;
  }
  if (a.is_double() && b.is_null()) return !std::isfinite(a.get_double());
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!same(x[i], y[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    const auto &x = a.get_object(), &y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& [key, value] : x) {
      const json::value* other = y.if_contains(key);
      if (!other || !same(value, *other)) return false;
    }
    return true;
  }
  return a == b;
}

json::value reparse(const std::string& text) {
  json::error_code ec;
  json::parse_options opts;
  opts.max_depth = 1024;  // serialize_json of a value parsed at depth <= 64 is as deep
  json::value v = json::parse(text, ec, {}, opts);
  check(!ec, "serialize_json's output parses");
  return v;
}

void decode_one(const json::value& v) {
  service::EventInput event;
  if (service::decode_event(v, &event).is_ok()) (void)service::check_event(event);

  service::Item item;
  if (service::decode_item(v, &item).is_ok()) {
    (void)service::check_item(item);
    const json::value first = service::encode_item(item);
    service::Item again;
    check(service::decode_item(reparse(service::serialize_json(first)), &again).is_ok(),
          "an encoded item decodes");
    check(same(first, service::encode_item(again)), "an item round-trips");
  }
}

void read_fields(const json::object& o) {
  std::string s;
  std::vector<std::string> list;
  size_t n = 0;
  bool b = false;
  double x = 0;
  for (const char* name : {"user", "query", "item"}) (void)api::string_field(o, name, &s);
  for (const char* name : {"history", "items", "tags", "exclude"}) (void)api::string_list_field(o, name, &list);
  (void)api::k_field(o, &n);
  (void)api::size_field(o, "candidates", 1, 1000, &n);
  for (const char* name : {"exclude_seen", "explain"}) (void)api::bool_field(o, name, &b);
  (void)api::number_field(o, "weight", 0, 1, &x);
  (void)api::only_fields(o, {"user", "history", "k", "exclude_seen", "tags", "exclude", "explain"});

  const service::Config defaults;
  service::TrainOptions options{defaults.model, defaults.train, defaults.activate_always};
  if (!api::decode_train_options(o, &options)) (void)options.validate();
}

void rfc3339(std::string_view text) {
  int64_t ms = 0;
  if (!service::parse_rfc3339(text, &ms)) return;
  int64_t again = 0;
  const std::string formatted = service::format_rfc3339(ms);
  check(service::parse_rfc3339(formatted, &again), "format_rfc3339's output parses");
  check(again == ms, "RFC 3339 round-trips");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  rfc3339(body);

  api::HttpRequest req{boost::beast::http::verb::post, "/v1/events", 11};
  req.set(boost::beast::http::field::content_type, "application/json");
  req.body() = body;
  json::value v;
  if (api::parse_json_body(req, &v)) return 0;  // 400: not JSON

  check(same(v, reparse(service::serialize_json(v))), "serialize_json's text reads back as the value");

  decode_one(v);
  if (v.is_object()) {
    const json::object& o = v.get_object();
    read_fields(o);
    for (const char* name : {"events", "items"}) {
      if (const json::value* a = o.if_contains(name); a && a->is_array()) {
        for (const json::value& e : a->get_array()) decode_one(e);
      }
    }
    for (const auto& [key, value] : o) {
      if (value.is_string()) rfc3339(value.get_string());
    }
  }
  json::object o;
  (void)api::object_body(req, &o);
  return 0;
}
