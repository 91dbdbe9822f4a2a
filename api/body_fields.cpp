#include "api/body_fields.h"

#include <cstdint>

#include <boost/json.hpp>

#include "service/json_codec.h"

namespace attnrec::api {

namespace json = boost::json;

namespace {

// The service's typed readers (service/json_codec.h) with a 422 for their
// errors; an absent field leaves *out unchanged.
template <class Read>
MaybeError read_field(const json::object& body, std::string_view name, Read&& read) {
  const json::value* v = body.if_contains(name);
  if (!v) return std::nullopt;
  if (const Status s = read(*v); !s.is_ok()) return invalid_argument(s.message());
  return std::nullopt;
}

}  // namespace

MaybeError only_fields(const json::object& body, std::initializer_list<std::string_view> known) {
  if (const Status s = service::json_only_fields(body, known); !s.is_ok()) return invalid_argument(s.message());
  return std::nullopt;
}

MaybeError string_field(const json::object& body, std::string_view name, std::string* out) {
  return read_field(body, name, [&](const json::value& v) { return service::json_string(v, name, out); });
}

MaybeError string_list_field(const json::object& body, std::string_view name,
                             std::vector<std::string>* out) {
  return read_field(body, name,
                    [&](const json::value& v) { return service::json_string_list(v, name, out); });
}

MaybeError size_field(const json::object& body, std::string_view name, size_t min, size_t max,
                      size_t* out) {
  return read_field(body, name,
                    [&](const json::value& v) { return service::json_size_in(v, name, min, max, out); });
}

MaybeError k_field(const json::object& body, size_t* k) {
  return size_field(body, "k", 0, SIZE_MAX, k);
}

MaybeError bool_field(const json::object& body, std::string_view name, bool* out) {
  return read_field(body, name, [&](const json::value& v) { return service::json_bool(v, name, out); });
}

MaybeError number_field(const json::object& body, std::string_view name, double min, double max,
                        double* out) {
  return read_field(body, name,
                    [&](const json::value& v) { return service::json_number_in(v, name, min, max, out); });
}

MaybeError object_body(const HttpRequest& req, json::object* out) {
  json::value body;
  if (auto error = parse_json_body(req, &body)) return error;
  if (!body.is_object()) return invalid_argument("body: expected a JSON object");
  *out = std::move(body.get_object());
  return std::nullopt;
}

}  // namespace attnrec::api
