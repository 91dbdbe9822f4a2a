#include "api/router.h"

#include <algorithm>
#include <cassert>

#include "service/utf8.h"

namespace attnrec::api {

namespace http = boost::beast::http;

std::optional<std::string_view> UrlParams::get(std::string_view name) const {
  for (const auto& [n, v] : items_)
    if (n == name) return std::string_view(v);
  return std::nullopt;
}

std::vector<std::string_view> UrlParams::all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [n, v] : items_)
    if (n == name) out.emplace_back(v);
  return out;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits "/a/b/c" into {"a","b","c"}; "/" gives {""}.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

void split_target(std::string_view target, std::string_view* path, std::string_view* query) {
  const auto q = target.find('?');
  *path = target.substr(0, q);
  *query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  // A fragment never reaches a server, but do not let one leak into values.
  const auto hash = query->find('#');
  if (hash != std::string_view::npos) *query = query->substr(0, hash);
}

std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  if (!service::is_utf8(out)) return std::nullopt;
  return out;
}

Status parse_query(std::string_view query, UrlParams* out) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2"
    const auto eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!name || !value) {
      return Status::malformed("query string: bad percent-encoding or not UTF-8 in '" +
                               std::string(pair) + "'");
    }
    out->add(std::move(*name), std::move(*value));
  }
  return Status::ok();
}

void Router::add(Route route) {
  assert(!route.pattern.empty() && route.pattern.front() == '/');
  Entry entry;
  for (std::string_view seg : split_path(route.pattern)) {
    Segment s;
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      s.param = true;
      s.text = std::string(seg.substr(1, seg.size() - 2));
    } else {
      s.text = std::string(seg);
      ++entry.literals;
    }
    entry.segments.push_back(std::move(s));
  }
  routes_.push_back(std::move(route));
  entries_.push_back(std::move(entry));
}

RouteMatch Router::match(http::verb method, std::string_view path) const {
  const auto segments = split_path(path);
  const http::verb wanted = method == http::verb::head ? http::verb::get : method;

  RouteMatch result;
  const Entry* best = nullptr;  // best path match with the right method
  size_t best_index = 0;
  size_t best_literals_any = 0;  // best literal count over every method
  bool any = false;
  std::vector<const Route*> same_path;  // routes whose template matched
  for (size_t r = 0; r < routes_.size(); ++r) {
    const Entry& e = entries_[r];
    if (e.segments.size() != segments.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < segments.size() && ok; ++i) {
      const Segment& s = e.segments[i];
      ok = s.param ? !segments[i].empty() : s.text == segments[i];
    }
    if (!ok) continue;
    // Only the most specific template(s) count: "/v1/admin/train" hides
    // "/v1/admin/{x}" for 405 purposes too.
    if (!any || e.literals > best_literals_any) {
      same_path.clear();
      best = nullptr;
      best_literals_any = e.literals;
    } else if (e.literals < best_literals_any) {
      continue;
    }
    any = true;
    same_path.push_back(&routes_[r]);
    if (routes_[r].method == wanted && best == nullptr) {
      best = &e;
      best_index = r;
    }
  }
  if (!any) return result;  // kNotFound
  if (best == nullptr) {
    result.kind = RouteMatch::Kind::kMethodNotAllowed;
    result.pattern = same_path.front()->pattern;
    std::vector<std::string> methods;
    for (const Route* r : same_path) {
      methods.emplace_back(http::to_string(r->method));
      if (r->method == http::verb::get) methods.emplace_back("HEAD");
    }
    std::sort(methods.begin(), methods.end());
    methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
    for (const auto& m : methods) {
      if (!result.allow.empty()) result.allow += ", ";
      result.allow += m;
    }
    return result;
  }
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& s = best->segments[i];
    if (!s.param) continue;
    auto value = percent_decode(segments[i]);
    if (!value) {
      result.kind = RouteMatch::Kind::kBadPath;
      result.error = "path segment {" + s.text + "}: bad percent-encoding or not UTF-8";
      result.path = UrlParams();
      return result;
    }
    result.path.add(s.text, std::move(*value));
  }
  result.kind = RouteMatch::Kind::kFound;
  result.route = &routes_[best_index];
  result.pattern = result.route->pattern;
  return result;
}

}  // namespace attnrec::api
