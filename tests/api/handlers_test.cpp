// Handlers through the Dispatcher (routing, auth, validation, error bodies)
// over a real store in a temporary directory, without a socket.
#include "api/dispatcher.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "service/service.h"
#include "temp_dir.h"

using namespace attnrec;
using api::HttpRequest;
using api::HttpResponse;
using boost::beast::http::verb;
namespace json = boost::json;

namespace {

struct Fixture {
  explicit Fixture(std::string admin_key = "", api::ApiKeys keys = {}, bool metrics_need_key = false) {
    service::Config config;
    config.data_dir = dir.path();
    config.popularity_refresh_ms = 0;
    const Status s = service::Service::open(config, &rec);
    INFO(s.message());
    REQUIRE(s.is_ok());
    if (!admin_key.empty()) REQUIRE(keys.add(admin_key, api::Role::kAdmin).is_ok());
    dispatcher = std::make_unique<api::Dispatcher>(*rec, api::DispatcherOptions{keys, metrics_need_key});
  }

  HttpResponse call(verb method, std::string target, std::string body = "",
                    std::string content_type = "application/json",
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest req{method, target, 11};
    if (!body.empty() && !content_type.empty()) req.set("Content-Type", content_type);
    for (const auto& [n, v] : headers) req.set(n, v);
    req.body() = std::move(body);
    req.prepare_payload();
    return dispatcher->handle(req);
  }

  testing::TempDir dir;
  std::unique_ptr<service::Service> rec;
  std::unique_ptr<api::Dispatcher> dispatcher;
};

json::value body_of(const HttpResponse& res) {
  CHECK(res[boost::beast::http::field::content_type] == "application/json");
  return json::parse(res.body());
}

std::string error_code(const HttpResponse& res) {
  return std::string(body_of(res).at("error").at("code").as_string());
}

std::string error_message(const HttpResponse& res) {
  return std::string(body_of(res).at("error").at("message").as_string());
}

}  // namespace

TEST_CASE("POST /v1/events: single, batch, duplicates", "[api][handlers]") {
  Fixture f;
  auto res = f.call(verb::post, "/v1/events",
                    R"({"user":"u1","item":"i1","type":"click","ts":1700000000,"id":"e1"})");
  REQUIRE(res.result_int() == 200);
  CHECK(body_of(res) == json::parse(R"({"accepted":1,"duplicates":0})"));
  CHECK(res["Server"] == "attnrec");

  res = f.call(verb::post, "/v1/events",
               R"({"events":[{"user":"u1","item":"i2","ts":"2024-05-01T12:00:00Z"},
                             {"user":"u1","item":"i1","id":"e1"}]})");
  REQUIRE(res.result_int() == 200);
  CHECK(body_of(res) == json::parse(R"({"accepted":1,"duplicates":1})"));

  res = f.call(verb::get, "/v1/users/u1/history");
  REQUIRE(res.result_int() == 200);
  const auto h = body_of(res);
  CHECK(h.at("user") == "u1");
  const auto& events = h.at("events").as_array();
  REQUIRE(events.size() == 2);
  CHECK(events[0].at("item") == "i1");  // newest last
  CHECK(events[1].at("item") == "i2");
  CHECK(events[1].at("ts") == "2024-05-01T12:00:00.000Z");

  res = f.call(verb::get, "/v1/users/u1/history?limit=1");
  CHECK(body_of(res).at("events").as_array().size() == 1);
}

TEST_CASE("POST /v1/events rejects bad input and writes nothing", "[api][handlers]") {
  Fixture f;
  auto res = f.call(verb::post, "/v1/events", R"({"user":"u1",)");
  CHECK(res.result_int() == 400);
  CHECK(error_code(res) == "malformed_json");

  res = f.call(verb::post, "/v1/events", R"({"user":"u1","item":"i1"})", "text/plain");
  CHECK(res.result_int() == 415);
  CHECK(error_code(res) == "unsupported_media_type");
  res = f.call(verb::post, "/v1/events", R"({"user":"u1","item":"i1"})", "");
  CHECK(res.result_int() == 415);

  res = f.call(verb::post, "/v1/events", R"([1,2])");
  CHECK(res.result_int() == 422);
  res = f.call(verb::post, "/v1/events", R"({"events":{}})");
  CHECK(res.result_int() == 422);
  res = f.call(verb::post, "/v1/events", R"({"events":[]})");
  CHECK(res.result_int() == 422);

  res = f.call(verb::post, "/v1/events",
               R"({"events":[{"user":"u1","item":"a"},{"user":"u1","item":"b"},
                             {"user":"u1","item":"c"},{"user":"u1","item":"d","ts":"yesterday"}]})");
  CHECK(res.result_int() == 422);
  CHECK(error_code(res) == "invalid_argument");
  CHECK_THAT(error_message(res), Catch::StartsWith("events[3]: "));
  CHECK_THAT(error_message(res), Catch::Contains("ts"));

  // A semantic error found by the service (empty user) also names the index.
  res = f.call(verb::post, "/v1/events",
               R"({"events":[{"user":"u1","item":"a"},{"user":"","item":"b"}]})");
  CHECK(res.result_int() == 422);
  CHECK_THAT(error_message(res), Catch::Contains("events[1]"));

  std::string big = R"({"events":[)";
  for (int i = 0; i < 10001; ++i) big += std::string(i ? "," : "") + R"({"user":"u","item":"i"})";
  big += "]}";
  res = f.call(verb::post, "/v1/events", big);
  CHECK(res.result_int() == 413);

  res = f.call(verb::get, "/v1/users/u1/history");
  CHECK(res.result_int() == 404);
  CHECK(error_code(res) == "not_found");
}

TEST_CASE("items: put, get, delete, batch", "[api][handlers]") {
  Fixture f;
  auto res = f.call(verb::put, "/v1/items/caf%C3%A9",
                    R"({"title":"Café","tags":["food"],"attributes":{"price":3}})");
  REQUIRE(res.result_int() == 200);
  CHECK(body_of(res).at("id") == "café");

  res = f.call(verb::get, "/v1/items/caf%C3%A9");
  REQUIRE(res.result_int() == 200);
  CHECK(body_of(res).at("title") == "Café");

  res = f.call(verb::head, "/v1/items/caf%C3%A9");
  CHECK(res.result_int() == 200);
  CHECK(res.body().empty());
  CHECK(res[boost::beast::http::field::content_length] != "0");

  res = f.call(verb::put, "/v1/items/x", R"({"id":"y"})");
  CHECK(res.result_int() == 422);
  res = f.call(verb::put, "/v1/items/x", R"({"colour":"red"})");
  CHECK(res.result_int() == 422);

  res = f.call(verb::delete_, "/v1/items/caf%C3%A9");
  CHECK(res.result_int() == 204);
  CHECK(res.body().empty());
  res = f.call(verb::get, "/v1/items/caf%C3%A9");
  CHECK(res.result_int() == 404);
  res = f.call(verb::delete_, "/v1/items/caf%C3%A9");
  CHECK(res.result_int() == 404);

  res = f.call(verb::post, "/v1/items", R"({"items":[{"id":"a","title":"A"},{"id":"b"}]})");
  REQUIRE(res.result_int() == 200);
  CHECK(body_of(res).at("upserted") == 2);
  res = f.call(verb::post, "/v1/items", R"({"items":[{"id":"c"},{"title":"no id"}]})");
  CHECK(res.result_int() == 422);
  CHECK_THAT(error_message(res), Catch::StartsWith("items[1]: "));
  CHECK(f.call(verb::get, "/v1/items/c").result_int() == 404);
  CHECK(f.call(verb::get, "/v1/items/b").result_int() == 200);
}

TEST_CASE("users: recommendations, history limits, erase", "[api][handlers]") {
  Fixture f;
  REQUIRE(f.call(verb::post, "/v1/events",
                 R"({"events":[{"user":"u1","item":"a"},{"user":"u2","item":"b"},
                               {"user":"u3","item":"b"},{"user":"u3","item":"c"}]})")
              .result_int() == 200);
  auto res = f.call(verb::get, "/v1/users/u1/recommendations?k=2");
  REQUIRE(res.result_int() == 200);
  auto r = body_of(res);
  CHECK(r.at("user") == "u1");
  CHECK(r.at("strategy").is_string());
  CHECK(r.as_object().contains("model_version"));
  const auto& items = r.at("items").as_array();
  REQUIRE_FALSE(items.empty());
  CHECK(items.size() <= 2);
  CHECK(items[0].at("id") == "b");
  CHECK(items[0].at("score").is_number());
  for (const auto& i : items) CHECK(i.at("id") != "a");  // exclude_seen by default

  res = f.call(verb::get, "/v1/users/u1/recommendations?k=0");
  CHECK(res.result_int() == 422);
  res = f.call(verb::get, "/v1/users/u1/recommendations?exclude_seen=perhaps");
  CHECK(res.result_int() == 422);
  res = f.call(verb::get, "/v1/users/nobody/recommendations?exclude=b&explain=true");
  REQUIRE(res.result_int() == 200);
  const auto anonymous = body_of(res);  // a named value: the loop borrows from it
  for (const auto& i : anonymous.at("items").as_array()) CHECK(i.at("id") != "b");

  CHECK(f.call(verb::get, "/v1/users/u1/history?limit=0").result_int() == 422);
  CHECK(f.call(verb::get, "/v1/users/u1/history?limit=1001").result_int() == 422);
  CHECK(f.call(verb::get, "/v1/users/u1/history?limit=abc").result_int() == 422);
  CHECK(f.call(verb::get, "/v1/users/u1/history?limit=%ZZ").result_int() == 400);

  CHECK(f.call(verb::delete_, "/v1/users/u1").result_int() == 204);
  CHECK(f.call(verb::get, "/v1/users/u1/history").result_int() == 404);
  CHECK(f.call(verb::delete_, "/v1/users/u1").result_int() == 404);
}

TEST_CASE("routing errors and ops endpoints", "[api][handlers]") {
  Fixture f;
  auto res = f.call(verb::get, "/v1/nope");
  CHECK(res.result_int() == 404);
  CHECK(error_code(res) == "route_not_found");
  res = f.call(verb::patch, "/v1/events");
  CHECK(res.result_int() == 405);
  CHECK(res["Allow"] == "POST");
  CHECK(error_code(res) == "method_not_allowed");
  res = f.call(verb::get, "/v1/items/%FF");
  CHECK(res.result_int() == 400);

  CHECK(f.call(verb::get, "/healthz").result_int() == 200);
  CHECK(f.call(verb::get, "/readyz").result_int() == 200);
  f.call(verb::get, "/v1/users/u1/history");
  res = f.call(verb::get, "/metrics");
  REQUIRE(res.result_int() == 200);
  CHECK(res["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8");
  CHECK_THAT(res.body(), Catch::Contains("attnrec_store_events"));
}

TEST_CASE("API key protects /v1 but not health and metrics", "[api][handlers]") {
  Fixture f("s3cret");
  auto res = f.call(verb::get, "/v1/users/u1/history");
  CHECK(res.result_int() == 401);
  CHECK(error_code(res) == "unauthorized");
  CHECK(res["WWW-Authenticate"] == "Bearer");
  res = f.call(verb::get, "/v1/users/u1/history", "", "", {{"Authorization", "Bearer wrong"}});
  CHECK(res.result_int() == 401);
  res = f.call(verb::get, "/v1/users/u1/history", "", "", {{"Authorization", "Bearer s3cret"}});
  CHECK(res.result_int() == 404);  // authorized; the user just does not exist
  res = f.call(verb::get, "/v1/users/u1/history", "", "", {{"X-API-Key", "s3cret"}});
  CHECK(res.result_int() == 404);
  // A rejected request changes nothing.
  res = f.call(verb::post, "/v1/events", R"({"user":"u1","item":"i1"})");
  CHECK(res.result_int() == 401);
  res = f.call(verb::get, "/v1/users/u1/history", "", "", {{"X-API-Key", "s3cret"}});
  CHECK(res.result_int() == 404);
  CHECK(f.call(verb::get, "/healthz").result_int() == 200);
  CHECK(f.call(verb::get, "/readyz").result_int() == 200);
  CHECK(f.call(verb::get, "/metrics").result_int() == 200);
}

TEST_CASE("POST /v1/admin/train refuses bad options before a job exists", "[api][handlers]") {
  Fixture f;
  for (const char* body : {R"({"epochs":0})", R"({"loss":"mse"})", R"({"colour":1})",
                           R"({"dim":30,"heads":4})", R"({"lr":"fast"})", R"({"activate":"maybe"})"}) {
    INFO(body);
    const HttpResponse res = f.call(verb::post, "/v1/admin/train", body);
    CHECK(res.result_int() == 422);
    CHECK(error_code(res) == "invalid_argument");
  }
  // The unknown key is named.
  CHECK(error_message(f.call(verb::post, "/v1/admin/train", R"({"colour":1})")).find("colour") !=
        std::string::npos);
  CHECK(f.call(verb::get, "/v1/admin/train/job-1").result_int() == 404);
}

TEST_CASE("roles: read < write < admin, 401 for no or unknown key, 403 for too low a role", "[api][handlers][auth]") {
  auto keys = api::ApiKeys::parse_list("r1:read,w1:write,a1:admin");
  REQUIRE(keys.ok());
  Fixture f("", keys.value());
  const auto as = [&](const std::string& key, verb method, const std::string& target, std::string body = "") {
    return f.call(method, target, std::move(body), "application/json", {{"X-API-Key", key}}).result_int();
  };
  const std::string event = R"({"user":"u1","item":"i1"})";
  // read: reads only.
  CHECK(as("r1", verb::get, "/v1/users/u1/recommendations") == 200);
  CHECK(as("r1", verb::get, "/v1/models") == 200);
  CHECK(as("r1", verb::post, "/v1/events", event) == 403);
  CHECK(as("r1", verb::delete_, "/v1/users/u1") == 403);
  // write: ingest, catalog writes and erasure, not admin.
  CHECK(as("w1", verb::post, "/v1/events", event) == 200);
  CHECK(as("w1", verb::put, "/v1/items/i1", R"({"title":"One"})") == 200);
  CHECK(as("w1", verb::get, "/v1/users/u1/history") == 200);
  CHECK(as("w1", verb::post, "/v1/admin/train", "{}") == 403);
  CHECK(as("w1", verb::post, "/v1/models/v1/activate") == 403);
  // admin: everything.
  CHECK(as("a1", verb::post, "/v1/models/v1/activate") == 404);  // allowed; no such version
  CHECK(as("a1", verb::get, "/v1/admin/train/job-9") == 404);
  CHECK(as("a1", verb::delete_, "/v1/users/u1") == 204);
  // 403 says which role is needed, and never echoes the key.
  const auto denied = f.call(verb::post, "/v1/admin/train", "{}", "application/json", {{"X-API-Key", "r1"}});
  CHECK(error_code(denied) == "forbidden");
  CHECK(error_message(denied).find("needs admin") != std::string::npos);
  CHECK(error_message(denied).find("r1") == std::string::npos);
  // Unknown or missing: 401 with WWW-Authenticate.
  const auto unknown = f.call(verb::get, "/v1/models", "", "", {{"Authorization", "Bearer nope"}});
  CHECK(unknown.result_int() == 401);
  CHECK(unknown["WWW-Authenticate"] == "Bearer");
  CHECK(f.call(verb::get, "/v1/models").result_int() == 401);
  CHECK(f.call(verb::get, "/v1/models", "", "", {{"Authorization", "Bearer r1"}}).result_int() == 200);
  // Health probes stay open; /metrics too unless configured.
  CHECK(f.call(verb::get, "/healthz").result_int() == 200);
  CHECK(f.call(verb::get, "/metrics").result_int() == 200);
  // A reload replaces the keys at once.
  auto next = api::ApiKeys::parse_list("r2:read");
  REQUIRE(next.ok());
  f.dispatcher->set_keys(next.value());
  CHECK(as("r1", verb::get, "/v1/models") == 401);
  CHECK(as("r2", verb::get, "/v1/models") == 200);
}

TEST_CASE("/metrics can ask for a read key", "[api][handlers][auth]") {
  Fixture f("adm", {}, /*metrics_need_key=*/true);
  CHECK(f.call(verb::get, "/metrics").result_int() == 401);
  CHECK(f.call(verb::get, "/metrics", "", "", {{"X-API-Key", "adm"}}).result_int() == 200);
  CHECK(f.call(verb::get, "/healthz").result_int() == 200);
}

TEST_CASE("API keys files and lists are parsed with errors naming where", "[api][auth]") {
  auto keys = api::ApiKeys::parse_file_text("# operators\nk-admin admin\n\n  k-reader   read  \nk-writer\twrite\n", "keys.txt");
  REQUIRE(keys.ok());
  CHECK(keys.value().size() == 3);
  CHECK(keys.value().role_of("k-admin") == api::Role::kAdmin);
  CHECK(keys.value().role_of("k-reader") == api::Role::kRead);
  CHECK(keys.value().role_of("k-writer") == api::Role::kWrite);
  CHECK(keys.value().role_of("k-write") == api::Role::kNone);
  CHECK(keys.value().role_of("") == api::Role::kNone);

  auto bad_role = api::ApiKeys::parse_file_text("a admin\nb root\n", "keys.txt");
  REQUIRE_FALSE(bad_role.ok());
  CHECK(bad_role.error().find("keys.txt:2:") != std::string::npos);
  auto twice = api::ApiKeys::parse_file_text("a admin\na read\n", "keys.txt");
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.error().find("keys.txt:2:") != std::string::npos);
  CHECK(twice.error().find("twice") != std::string::npos);
  auto list = api::ApiKeys::parse_list("x:read, y:admin");
  REQUIRE(list.ok());
  CHECK(list.value().role_of("y") == api::Role::kAdmin);
  auto bad_list = api::ApiKeys::parse_list("x:read,y");
  REQUIRE_FALSE(bad_list.ok());
  CHECK(bad_list.error().find("entry 2") != std::string::npos);
}
