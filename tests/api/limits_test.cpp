// Every limit on what a request may hold, over a real socket: each over-limit
// request gets its status and the SPEC's JSON error, a request at the limit
// passes, and no rejected request changes the store. The body (413 from
// Content-Length) and header (431) limits are in server_test.cpp; the
// connection limits and timeouts in connection_limits_test.cpp.
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "http_client.h"
#include "running_server.h"
#include "service/clock.h"
#include "service/service.h"
#include "temp_dir.h"

using namespace attnrec;
using testing::Running;
namespace json = boost::json;

namespace {

// Small limits so that requests over them stay small.
service::Config small_limits() {
  service::Config c;
  c.max_batch_events = 5;
  c.max_batch_items = 5;
  c.max_k = 50;
  c.history_cap = 8;  // also the longest history a request may send
  c.max_query_bytes = 64;
  return c;
}

struct Case {
  std::string method, target, body;
  int status;
  std::string code;     // error.code
  std::string message;  // a part of error.message
};

std::string ids_json(size_t n, const std::string& prefix = "i") {
  std::string out = "[";
  for (size_t i = 0; i < n; ++i) out += (i ? ",\"" : "\"") + prefix + std::to_string(i) + "\"";
  return out + "]";
}

std::string events_json(size_t n) {
  std::string out = R"({"events":[)";
  for (size_t i = 0; i < n; ++i) out += std::string(i ? "," : "") + R"({"user":"u1","item":"i1"})";
  return out + "]}";
}

std::string items_json(size_t n) {
  std::string out = R"({"items":[)";
  for (size_t i = 0; i < n; ++i) out += std::string(i ? "," : "") + R"({"id":"i)" + std::to_string(i) + R"("})";
  return out + "]}";
}

std::string event_with(const std::string& field_json) {
  return R"({"user":"u1","item":"i1",)" + field_json + "}";
}

}  // namespace

TEST_CASE("limits: every over-limit field is refused with the JSON error and changes nothing",
          "[api][limits]") {
  testing::TempDir dir;
  api::ServerOptions options = Running::test_options();
  options.body_limit = 1 << 20;
  Running r(dir.path(), options, small_limits());
  auto c = r.client();

  const std::string long_id(257, 'a');
  const int64_t two_days_ahead_s = service::now_ms() / 1000 + 2 * 86400;
  const std::vector<Case> cases = {
      // Batch sizes.
      {"POST", "/v1/events", events_json(6), 413, "too_large", "at most 5 events"},
      {"POST", "/v1/items", items_json(6), 413, "too_large", "at most 5 items"},
      // k: the route's range, whichever way it arrives.
      {"GET", "/v1/users/u1/recommendations?k=0", "", 422, "invalid_argument", "`k`"},
      {"GET", "/v1/users/u1/recommendations?k=51", "", 422, "invalid_argument", "between 1 and 50"},
      {"GET", "/v1/users/u1/recommendations?k=-1", "", 422, "invalid_argument", "`k`"},
      {"GET", "/v1/users/u1/recommendations?k=99999999999999999999999", "", 422, "invalid_argument", "`k`"},
      {"POST", "/v1/recommendations", R"({"history":["a"],"k":51})", 422, "invalid_argument", "between 1 and 50"},
      {"POST", "/v1/recommendations", R"({"history":["a"],"k":2.5})", 422, "invalid_argument", "k"},
      {"GET", "/v1/search?q=heat&k=51", "", 422, "invalid_argument", "between 1 and 50"},
      {"GET", "/v1/items/i1/similar?k=0", "", 422, "invalid_argument", "`k`"},
      // The history a request sends: at most history_cap ids, each an id.
      {"POST", "/v1/recommendations", R"({"history":)" + ids_json(9) + "}", 422, "invalid_argument",
       "`history` lists 9 ids; at most 8"},
      {"POST", "/v1/rank", R"({"history":)" + ids_json(9) + R"(,"items":["a"]})", 422, "invalid_argument",
       "`history` lists 9 ids"},
      {"POST", "/v1/search", R"({"q":"heat","history":)" + ids_json(9) + "}", 422, "invalid_argument",
       "`history` lists 9 ids"},
      {"POST", "/v1/recommendations", R"({"history":["a",""]})", 422, "invalid_argument", "`history[1]` must not be empty"},
      {"POST", "/v1/recommendations", R"({"history":[")" + long_id + R"("]})", 422, "invalid_argument",
       "`history[0]` is longer than 256 bytes"},
      // Candidates per rank request.
      {"POST", "/v1/rank", R"({"user":"u1","items":)" + ids_json(10001) + "}", 422, "invalid_argument",
       "`items` lists 10001 ids; at most 10000"},
      {"POST", "/v1/rank", R"({"user":"u1","items":[]})", 422, "invalid_argument", "at least one"},
      {"POST", "/v1/rank", R"({"user":"u1","items":["a","b\u0007"]})", 422, "invalid_argument",
       "`items[1]` contains a control character"},
      {"GET", "/v1/users/u1/recommendations?exclude=a%01", "", 422, "invalid_argument", "`exclude[0]`"},
      // Id length and characters, in bodies and in paths.
      {"POST", "/v1/events", event_with(R"("id":"")"), 422, "invalid_argument", "`id`"},
      {"POST", "/v1/events", R"({"user":")" + long_id + R"(","item":"i1"})", 422, "invalid_argument",
       "`user` is longer than 256 bytes"},
      {"POST", "/v1/events", R"({"user":"u\u0000","item":"i1"})", 422, "invalid_argument", "control character"},
      {"POST", "/v1/events", R"({"user":"u1","item":"\u007f"})", 422, "invalid_argument", "control character"},
      {"POST", "/v1/events", R"({"user":"","item":"i1"})", 422, "invalid_argument", "`user` must not be empty"},
      {"POST", "/v1/events", R"({"user":"u\ud800","item":"i1"})", 400, "malformed_json", ""},  // a lone surrogate
      {"POST", "/v1/events", "{\"user\":\"u\xff\",\"item\":\"i1\"}", 400, "malformed_json", ""},  // not UTF-8
      {"POST", "/v1/events", event_with(R"("type":"Click!")"), 422, "invalid_argument", "`type`"},
      {"GET", "/v1/users/" + long_id + "/recommendations", "", 422, "invalid_argument", "longer than 256 bytes"},
      {"GET", "/v1/users/u%09x/recommendations", "", 422, "invalid_argument", "control character"},
      {"POST", "/v1/rank", R"({"user":")" + long_id + R"(","items":["a"]})", 422, "invalid_argument", "`user`"},
      {"PUT", "/v1/items/" + long_id, R"({"title":"t"})", 422, "invalid_argument", "longer than 256 bytes"},
      // Timestamps: negative, past year 9999, far ahead of the clock, not numbers.
      {"POST", "/v1/events", event_with(R"("ts":-1)"), 422, "invalid_argument", "`ts`"},
      {"POST", "/v1/events", event_with(R"("ts":253402300800)"), 422, "invalid_argument", "`ts`"},
      {"POST", "/v1/events", event_with(R"("ts":1e300)"), 422, "invalid_argument", "`ts`"},
      {"POST", "/v1/events", event_with(R"("ts":)" + std::to_string(two_days_ahead_s)), 422,
       "invalid_argument", "ahead of the server's clock"},
      {"POST", "/v1/events", event_with(R"("ts":"9999-12-31T23:59:59Z")"), 422, "invalid_argument", "ahead"},
      {"POST", "/v1/events", event_with(R"("ts":"NaN")"), 422, "invalid_argument", "`ts`"},
      {"POST", "/v1/events", event_with(R"("ts":NaN)"), 400, "malformed_json", ""},
      {"POST", "/v1/events", event_with(R"("ts":1e999)"), 422, "invalid_argument", "`ts`"},  // parsed as infinity
      // Weights: finite, 0 to 1e6.
      {"POST", "/v1/events", event_with(R"("weight":-1)"), 422, "invalid_argument", "`weight`"},
      {"POST", "/v1/events", event_with(R"("weight":1000001)"), 422, "invalid_argument", "from 0 to 1000000"},
      {"POST", "/v1/events", event_with(R"("weight":1e39)"), 422, "invalid_argument", "`weight`"},
      {"POST", "/v1/events", event_with(R"("weight":1e999)"), 422, "invalid_argument", "`weight`"},
      {"POST", "/v1/events", event_with(R"("weight":Infinity)"), 400, "malformed_json", ""},
      {"POST", "/v1/events", event_with(R"("weight":"1")"), 422, "invalid_argument", "`weight`"},
      // Query length and other numbers.
      {"GET", "/v1/search?q=" + std::string(65, 'a'), "", 422, "invalid_argument", "longer than 64 bytes"},
      {"GET", "/v1/search?q=", "", 422, "invalid_argument", "`q`"},
      {"GET", "/v1/search?q=heat&personal_weight=nan", "", 422, "invalid_argument", "personal_weight"},
      {"GET", "/v1/search?q=heat&personal_weight=2", "", 422, "invalid_argument", "personal_weight"},
      {"GET", "/v1/users/u1/history?limit=1001", "", 422, "invalid_argument", "`limit`"},
      {"POST", "/v1/admin/train", R"({"epochs":1e9})", 422, "invalid_argument", "epochs"},
      // JSON nesting deeper than the parser's bound.
      {"POST", "/v1/events", std::string(100, '[') + std::string(100, ']'), 400, "malformed_json", ""},
  };
  for (const Case& k : cases) {
    INFO(k.method << " " << k.target.substr(0, 120) << " " << k.body.substr(0, 120));
    const auto res = c.request(k.method, k.target, k.body);
    CHECK(static_cast<int>(res.result_int()) == k.status);
    CHECK(res["Content-Type"] == "application/json");
    const json::value body = json::parse(res.body());
    CHECK(body.at("error").at("code").as_string() == k.code);
    const std::string message(body.at("error").at("message").as_string());
    INFO(message);
    CHECK_FALSE(message.empty());
    CHECK_THAT(message, Catch::Contains(k.message));
    CHECK(res.keep_alive());  // a refused field does not cost the connection
  }
  const auto stats = r.rec->stats();
  CHECK(stats.users == 0);
  CHECK(stats.items == 0);
  CHECK(stats.events == 0);
  CHECK(stats.catalog_items == 0);

  // At the limits, everything passes.
  CHECK(c.request("POST", "/v1/events", events_json(5)).result_int() == 200);
  CHECK(c.request("POST", "/v1/items", items_json(5)).result_int() == 200);
  CHECK(c.get("/v1/users/u1/recommendations?k=50").result_int() == 200);
  CHECK(c.request("POST", "/v1/recommendations", R"({"history":)" + ids_json(8) + "}").result_int() == 200);
  CHECK(c.request("POST", "/v1/rank", R"({"user":"u1","items":)" + ids_json(10000) + "}").result_int() == 200);
  CHECK(c.request("POST", "/v1/events", R"({"user":")" + std::string(256, 'u') + R"(","item":"i1","weight":1000000,"ts":)" +
                                            std::to_string(service::now_ms() / 1000 + 3600) + "}")
            .result_int() == 200);
  CHECK(c.get("/v1/search?q=" + std::string(64, 'a')).result_int() == 200);
}
