#include "api/body_fields.h"

#include <algorithm>
#include <cstdint>
#include <cmath>

#include <boost/json.hpp>

namespace attnrec::api {

namespace json = boost::json;

namespace {

MaybeError field_error(std::string_view name, std::string_view what) {
  return invalid_argument(std::string(name) + ": " + std::string(what));
}

}  // namespace

MaybeError only_fields(const json::object& body, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : body) {
    if (std::find(known.begin(), known.end(), std::string_view(key)) == known.end()) {
      return invalid_argument("unknown field `" + std::string(key) + "`");
    }
  }
  return std::nullopt;
}

MaybeError string_field(const json::object& body, std::string_view name, std::string* out) {
  const json::value* v = body.if_contains(name);
  if (!v) return std::nullopt;
  if (!v->is_string()) return field_error(name, "expected a string");
  *out = std::string(v->get_string());
  return std::nullopt;
}

MaybeError string_list_field(const json::object& body, std::string_view name,
                             std::vector<std::string>* out) {
  const json::value* v = body.if_contains(name);
  if (!v) return std::nullopt;
  if (!v->is_array()) return field_error(name, "expected an array of strings");
  out->clear();
  out->reserve(v->get_array().size());
  for (const auto& e : v->get_array()) {
    if (!e.is_string()) return field_error(name, "expected an array of strings");
    out->emplace_back(e.get_string());
  }
  return std::nullopt;
}

MaybeError size_field(const json::object& body, std::string_view name, size_t min, size_t max,
                      size_t* out) {
  const json::value* v = body.if_contains(name);
  if (!v) return std::nullopt;
  const bool integral = v->is_uint64() || (v->is_int64() && v->get_int64() >= 0);
  const uint64_t x = v->is_uint64() ? v->get_uint64() : integral ? uint64_t(v->get_int64()) : 0;
  if (!integral || x < min || x > max) {
    return field_error(name, "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }
  *out = static_cast<size_t>(x);
  return std::nullopt;
}

MaybeError k_field(const json::object& body, size_t* k) {
  return size_field(body, "k", 0, SIZE_MAX, k);
}

MaybeError bool_field(const json::object& body, std::string_view name, bool* out) {
  const json::value* v = body.if_contains(name);
  if (!v) return std::nullopt;
  if (!v->is_bool()) return field_error(name, "expected true or false");
  *out = v->get_bool();
  return std::nullopt;
}

MaybeError number_field(const json::object& body, std::string_view name, double min, double max,
                        double* out) {
  const json::value* v = body.if_contains(name);
  if (!v) return std::nullopt;
  if (!v->is_number()) return field_error(name, "expected a number");
  const double x = v->to_number<double>();
  if (!(x >= min && x <= max)) {
    return field_error(name, "expected a number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  *out = x;
  return std::nullopt;
}

MaybeError object_body(const HttpRequest& req, json::object* out) {
  json::value body;
  if (auto error = parse_json_body(req, &body)) return error;
  if (!body.is_object()) return invalid_argument("body: expected a JSON object");
  *out = std::move(body.get_object());
  return std::nullopt;
}

}  // namespace attnrec::api
