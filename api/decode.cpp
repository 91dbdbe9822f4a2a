#include "api/decode.h"

#include <cassert>
#include <charconv>
#include <cstdint>

#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>

#include "api/responses.h"

namespace attnrec::api {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

MaybeError batch_array(const json::value* field, std::string_view name, size_t max,
                       const json::array** out) {
  const std::string quoted = "`" + std::string(name) + "`";
  if (field == nullptr || !field->is_array()) return invalid_argument(quoted + " must be an array");
  const json::array& array = field->get_array();
  if (array.empty()) return invalid_argument(quoted + " must not be empty");
  if (array.size() > max) {
    return error_response(http::status::payload_too_large, "too_large",
                          "a batch holds at most " + std::to_string(max) + " " +
                              std::string(name) + "; got " + std::to_string(array.size()));
  }
  *out = &array;
  return std::nullopt;
}

std::string path_param(const RequestContext& ctx, std::string_view name) {
  const auto value = ctx.path.get(name);
  assert(value && "the route template names this parameter");
  return value ? std::string(*value) : std::string();
}

HttpResponse invalid_argument(std::string_view message) {
  return error_response(http::status::unprocessable_entity, "invalid_argument", message);
}

bool is_json_content_type(std::string_view content_type) {
  const std::string_view media = trim(content_type.substr(0, content_type.find(';')));
  if (iequals(media, "application/json")) return true;
  constexpr std::string_view kApp = "application/";
  constexpr std::string_view kSuffix = "+json";
  return media.size() > kApp.size() + kSuffix.size() &&
         iequals(media.substr(0, kApp.size()), kApp) &&
         iequals(media.substr(media.size() - kSuffix.size()), kSuffix);
}

MaybeError parse_json_body(const HttpRequest& req, json::value* out, json::storage_ptr sp) {
  const auto it = req.find(http::field::content_type);
  if (it == req.end() || !is_json_content_type(it->value())) {
    return error_response(http::status::unsupported_media_type, "unsupported_media_type",
                          "Content-Type must be application/json");
  }
  json::error_code ec;
  json::parse_options opts;
  opts.max_depth = 64;  // deep nesting is never legitimate here; bound the parser's stack
  *out = json::parse(req.body(), ec, std::move(sp), opts);
  if (ec) {
    return error_response(http::status::bad_request, "malformed_json",
                          "request body is not valid JSON: " + ec.message());
  }
  return std::nullopt;
}

MaybeError size_param(const UrlParams& query, std::string_view name, size_t fallback, size_t min,
                      size_t max, size_t* out) {
  const auto text = query.get(name);
  if (!text) {
    *out = fallback;
    return std::nullopt;
  }
  size_t value = 0;
  const auto* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (text->empty() || ec != std::errc() || ptr != end || value < min || value > max) {
    return invalid_argument("`" + std::string(name) + "` must be an integer from " +
                            std::to_string(min) + " to " + std::to_string(max) + ", got '" +
                            std::string(*text) + "'");
  }
  *out = value;
  return std::nullopt;
}

MaybeError k_param(const UrlParams& query, size_t* k) {
  return size_param(query, "k", 10, 0, SIZE_MAX, k);
}

MaybeError bool_param(const UrlParams& query, std::string_view name, bool fallback, bool* out) {
  const auto text = query.get(name);
  if (!text) {
    *out = fallback;
    return std::nullopt;
  }
  if (*text == "true" || *text == "1" || text->empty()) {  // bare "?explain" means true
    *out = true;
  } else if (*text == "false" || *text == "0") {
    *out = false;
  } else {
    return invalid_argument("`" + std::string(name) + "` must be true or false, got '" +
                            std::string(*text) + "'");
  }
  return std::nullopt;
}

std::vector<std::string> list_param(const UrlParams& query, std::string_view name) {
  std::vector<std::string> out;
  for (std::string_view v : query.all(name)) {
    while (true) {
      const auto comma = v.find(',');
      const std::string_view item = v.substr(0, comma);
      if (!item.empty()) out.emplace_back(item);
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return out;
}

}  // namespace attnrec::api
