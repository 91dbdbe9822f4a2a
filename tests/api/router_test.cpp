// Routing, percent-decoding, query parsing and parameter validation: no
// socket, no store.
#include "api/router.h"

#include <algorithm>

#include <boost/json.hpp>

#include "api/handlers.h"
#include "api/openapi.h"

#include <catch2/catch.hpp>

#include "api/decode.h"

using namespace attnrec::api;
using boost::beast::http::verb;

namespace {

HttpResponse dummy(const RequestContext&) { return HttpResponse{}; }

Router make_router() {
  Router r;
  r.add({verb::post, "/v1/events", dummy});
  r.add({verb::get, "/v1/items/{item}", dummy});
  r.add({verb::put, "/v1/items/{item}", dummy});
  r.add({verb::delete_, "/v1/items/{item}", dummy});
  r.add({verb::get, "/v1/items/{item}/similar", dummy});
  r.add({verb::get, "/v1/users/{user}/history", dummy});
  r.add({verb::get, "/v1/admin/{thing}", dummy});
  r.add({verb::post, "/v1/admin/train", dummy});
  return r;
}

}  // namespace

TEST_CASE("percent_decode handles escapes, plus and UTF-8", "[api][router]") {
  CHECK(percent_decode("caf%C3%A9") == "café");
  CHECK(percent_decode("a%2Fb") == "a/b");
  CHECK(percent_decode("a+b") == "a+b");
  CHECK(percent_decode("a+b", true) == "a b");
  CHECK(percent_decode("%41%62") == "Ab");
  CHECK_FALSE(percent_decode("%4"));
  CHECK_FALSE(percent_decode("%G1"));
  CHECK_FALSE(percent_decode("%"));
  CHECK_FALSE(percent_decode("%C3"));     // truncated UTF-8
  CHECK_FALSE(percent_decode("%C0%AF"));  // overlong
  CHECK_FALSE(percent_decode("%ED%A0%80"));  // surrogate
  CHECK_FALSE(percent_decode("%F4%90%80%80"));  // > U+10FFFF
  CHECK_FALSE(percent_decode("%FF"));
  CHECK(percent_decode("%F0%9F%8E%AC") == "\xF0\x9F\x8E\xAC");
}

TEST_CASE("split_target and parse_query", "[api][router]") {
  std::string_view path, query;
  split_target("/v1/x?a=1&b=2", &path, &query);
  CHECK(path == "/v1/x");
  CHECK(query == "a=1&b=2");
  split_target("/v1/x", &path, &query);
  CHECK(query.empty());

  UrlParams params;
  REQUIRE(parse_query("k=10&tags=a,b&tags=c&q=hello+world&flag&&x=%C3%A9", &params).is_ok());
  CHECK(params.get("k") == "10");
  CHECK(params.all("tags").size() == 2);
  CHECK(params.get("q") == "hello world");
  CHECK(params.get("flag") == "");
  CHECK(params.get("x") == "é");
  CHECK_FALSE(params.get("missing"));
  CHECK(list_param(params, "tags") == std::vector<std::string>{"a", "b", "c"});

  UrlParams bad;
  const attnrec::Status s = parse_query("a=%ZZ", &bad);
  CHECK(s.code() == attnrec::Status::Code::kMalformed);
  CHECK(s.message().find("a=%ZZ") != std::string::npos);
}

TEST_CASE("router matches templates and decodes parameters", "[api][router]") {
  const Router r = make_router();
  auto m = r.match(verb::get, "/v1/items/caf%C3%A9");
  REQUIRE(m.kind == RouteMatch::Kind::kFound);
  CHECK(m.route->pattern == "/v1/items/{item}");
  CHECK(m.path.get("item") == "café");

  m = r.match(verb::get, "/v1/items/a%2Fb/similar");
  REQUIRE(m.kind == RouteMatch::Kind::kFound);
  CHECK(m.route->pattern == "/v1/items/{item}/similar");
  CHECK(m.path.get("item") == "a/b");

  m = r.match(verb::head, "/v1/users/u1/history");
  REQUIRE(m.kind == RouteMatch::Kind::kFound);
  CHECK(m.path.get("user") == "u1");
}

TEST_CASE("router: 404, 405 with Allow, bad escapes, literal beats parameter", "[api][router]") {
  const Router r = make_router();
  CHECK(r.match(verb::get, "/v1/nothing").kind == RouteMatch::Kind::kNotFound);
  CHECK(r.match(verb::get, "/").kind == RouteMatch::Kind::kNotFound);
  CHECK(r.match(verb::get, "/v1/items/").kind == RouteMatch::Kind::kNotFound);  // empty id
  CHECK(r.match(verb::get, "/v1/items/a/b").kind == RouteMatch::Kind::kNotFound);

  auto m = r.match(verb::post, "/v1/items/x");
  REQUIRE(m.kind == RouteMatch::Kind::kMethodNotAllowed);
  CHECK(m.allow == "DELETE, GET, HEAD, PUT");

  m = r.match(verb::get, "/v1/events");
  REQUIRE(m.kind == RouteMatch::Kind::kMethodNotAllowed);
  CHECK(m.allow == "POST");

  m = r.match(verb::get, "/v1/items/%ZZ");
  CHECK(m.kind == RouteMatch::Kind::kBadPath);

  m = r.match(verb::post, "/v1/admin/train");
  REQUIRE(m.kind == RouteMatch::Kind::kFound);
  CHECK(m.route->pattern == "/v1/admin/train");
  // The literal template hides the parameter one: GET is not allowed here.
  m = r.match(verb::get, "/v1/admin/train");
  REQUIRE(m.kind == RouteMatch::Kind::kMethodNotAllowed);
  CHECK(m.allow == "POST");
  m = r.match(verb::get, "/v1/admin/jobs");
  REQUIRE(m.kind == RouteMatch::Kind::kFound);
  CHECK(m.path.get("thing") == "jobs");
}

TEST_CASE("query parameter validation", "[api][validation]") {
  UrlParams q;
  REQUIRE(parse_query("limit=20&bad=x&big=5000&neg=-1&t=true&f=0&b=maybe", &q).is_ok());
  size_t n = 0;
  CHECK_FALSE(size_param(q, "limit", 50, 1, 1000, &n));
  CHECK(n == 20);
  CHECK_FALSE(size_param(q, "absent", 50, 1, 1000, &n));
  CHECK(n == 50);
  auto e = size_param(q, "bad", 50, 1, 1000, &n);
  REQUIRE(e);
  CHECK(e->result_int() == 422);
  CHECK(size_param(q, "big", 50, 1, 1000, &n));
  CHECK(size_param(q, "neg", 50, 1, 1000, &n));
  bool b = false;
  CHECK_FALSE(bool_param(q, "t", false, &b));
  CHECK(b);
  CHECK_FALSE(bool_param(q, "f", true, &b));
  CHECK_FALSE(b);
  CHECK(bool_param(q, "b", true, &b));
}

TEST_CASE("JSON content types", "[api][validation]") {
  CHECK(is_json_content_type("application/json"));
  CHECK(is_json_content_type("Application/JSON; charset=utf-8"));
  CHECK(is_json_content_type("application/merge-patch+json"));
  CHECK_FALSE(is_json_content_type("text/plain"));
  CHECK_FALSE(is_json_content_type("application/jsonx"));
  CHECK_FALSE(is_json_content_type(""));
}

TEST_CASE("the OpenAPI document describes every route and nothing else", "[api][openapi]") {
  namespace json = boost::json;
  const json::value doc = json::parse(attnrec::api::openapi_document());
  CHECK(doc.at("openapi").as_string().starts_with("3."));
  const json::object& paths = doc.at("paths").as_object();
  attnrec::api::Router router;
  attnrec::api::add_v1_routes(router);
  size_t operations = 0;
  for (const auto& route : router.routes()) {
    INFO(route.pattern);
    REQUIRE(paths.contains(route.pattern));
    std::string method(boost::beast::http::to_string(route.method));
    std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return std::tolower(c); });
    CHECK(paths.at(route.pattern).as_object().contains(method));
    ++operations;
  }
  size_t documented = 0;
  for (const auto& [path, item] : paths) {
    for (const auto& [key, value] : item.as_object()) documented += key != "parameters";
  }
  CHECK(documented == operations);
}
