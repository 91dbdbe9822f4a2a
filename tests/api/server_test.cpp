// The server over a real socket on port 0: ingest, restart, limits, keep-alive,
// pipelining, concurrency and graceful stop.
#include "api/server.h"

#include <atomic>
#include <future>
#include <thread>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "http_client.h"
#include "running_server.h"
#include "service/service.h"
#include "temp_dir.h"

using namespace attnrec;
using testing::HttpClient;
using testing::Running;
namespace json = boost::json;

namespace {

json::value body_of(const testing::Response& res) { return json::parse(res.body()); }

size_t history_size(HttpClient& c, const std::string& user) {
  const auto res = c.get("/v1/users/" + user + "/history?limit=1000");
  if (res.result_int() == 404) return 0;
  REQUIRE(res.result_int() == 200);
  return body_of(res).at("events").as_array().size();
}

}  // namespace

TEST_CASE("server: ingest, history, duplicates, restart keeps data", "[api][server]") {
  testing::TempDir dir;
  {
    Running r(dir.path());
    auto c = r.client();
    auto res = c.request("POST", "/v1/events",
                         R"({"user":"u1","item":"i1","ts":1700000000,"id":"ev-1"})");
    REQUIRE(res.result_int() == 200);
    CHECK(res["Server"] == "attnrec");
    CHECK(res["Content-Type"] == "application/json");
    res = c.request("POST", "/v1/events", R"({"user":"u1","item":"i1","ts":1700000000,"id":"ev-1"})");
    REQUIRE(res.result_int() == 200);
    CHECK(body_of(res) == json::parse(R"({"accepted":0,"duplicates":1})"));
    res = c.request("POST", "/v1/events",
                    R"({"events":[{"user":"u1","item":"caf\u00e9","ts":1700000100}]})");
    REQUIRE(res.result_int() == 200);
    CHECK(history_size(c, "u1") == 2);
  }
  Running again(dir.path());
  auto c = again.client();
  const auto res = c.get("/v1/users/u1/history");
  REQUIRE(res.result_int() == 200);
  const auto history = body_of(res);
  const auto& events = history.at("events").as_array();
  REQUIRE(events.size() == 2);
  CHECK(events[1].at("item") == "café");
  CHECK(c.get("/v1/items/caf%C3%A9").result_int() == 404);  // an event does not make an item
}

TEST_CASE("server: rejected requests write nothing", "[api][server]") {
  testing::TempDir dir;
  Running r(dir.path());
  auto c = r.client();
  auto res = c.request("POST", "/v1/events", R"({"user":"u1","item":)");
  CHECK(res.result_int() == 400);
  CHECK(body_of(res).at("error").at("code") == "malformed_json");
  res = c.request("POST", "/v1/events",
                  R"({"events":[{"user":"u1","item":"a"},{"user":"u1","item":"b","weight":"x"}]})");
  CHECK(res.result_int() == 422);
  CHECK_THAT(std::string(body_of(res).at("error").at("message").as_string()),
             Catch::StartsWith("events[1]: "));
  CHECK(history_size(c, "u1") == 0);
  // Still usable after the errors (they keep the connection).
  CHECK(c.get("/healthz").result_int() == 200);
}

TEST_CASE("server: routing errors are JSON", "[api][server]") {
  testing::TempDir dir;
  Running r(dir.path());
  auto c = r.client();
  auto res = c.get("/nope");
  CHECK(res.result_int() == 404);
  CHECK(res["Content-Type"] == "application/json");
  CHECK(body_of(res).at("error").at("code") == "route_not_found");
  res = c.request("DELETE", "/v1/events");
  CHECK(res.result_int() == 405);
  CHECK(res["Allow"] == "POST");
  CHECK(c.get("/readyz").result_int() == 200);
  res = c.get("/metrics");
  CHECK(res.result_int() == 200);
  CHECK_THAT(res.body(), Catch::Contains("route=\"unmatched\""));
  CHECK_THAT(res.body(), Catch::Contains("route=\"/v1/events\""));
}

TEST_CASE("server: a full CPU queue answers 429 with Retry-After and other pools go on", "[api][server]") {
  testing::TempDir dir;
  api::ServerOptions options = Running::test_options();
  options.cpu_threads = 1;
  options.max_cpu_queue = 0;  // every model request finds the queue full
  Running r(dir.path(), options);
  auto c = r.client();
  auto res = c.get("/v1/users/u1/recommendations");
  CHECK(res.result_int() == 429);
  CHECK(res["Retry-After"] == "1");
  CHECK(body_of(res).at("error").at("code") == "overloaded");
  res = c.request("POST", "/v1/rank", R"({"user":"u1","items":["a"]})");
  CHECK(res.result_int() == 429);
  // Ingest counts against the I/O bound: unaffected, and the refused requests wrote nothing.
  res = c.request("POST", "/v1/events", R"({"user":"u1","item":"i1"})");
  CHECK(res.result_int() == 200);
  CHECK(history_size(c, "u1") == 1);
  res = c.get("/metrics");
  CHECK_THAT(res.body(), Catch::Contains(
      R"(attnrec_http_requests_total{method="GET",route="/v1/users/{user}/recommendations",status="429"} 1)"));
  CHECK_THAT(res.body(), Catch::Contains(
      R"(attnrec_http_requests_total{method="POST",route="/v1/events",status="200"} 1)"));
}

TEST_CASE("server: a full I/O queue answers ingest 429 and stores nothing while model routes go on", "[api][server]") {
  testing::TempDir dir;
  api::ServerOptions options = Running::test_options();
  options.max_in_flight = 0;  // every store request finds the queue full
  {
  Running r(dir.path(), options);
  auto c = r.client();
  // Small bodies are queued from the I/O thread, large ones go through the
  // pool: both are admitted against the same bound.
  auto res = c.request("POST", "/v1/events", R"({"user":"u1","item":"i1"})");
  CHECK(res.result_int() == 429);
  CHECK(res["Retry-After"] == "1");
  CHECK(body_of(res).at("error").at("code") == "overloaded");
  std::string big = R"({"events":[)";
  for (int i = 0; i < 400; ++i) {
    big += (i ? "," : "") + std::string(R"({"user":"u1","item":"catalog-item-number-)") + std::to_string(i) + R"("})";
  }
  big += "]}";
  REQUIRE(big.size() > (16u << 10));
  CHECK(c.request("POST", "/v1/events", big).result_int() == 429);
  CHECK(c.get("/v1/users/u1/recommendations").result_int() == 200);  // popularity, on the CPU pool
  }
  // Reopened with room: the refused requests stored nothing.
  Running r(dir.path(), Running::test_options());
  auto c = r.client();
  CHECK(history_size(c, "u1") == 0);
}

TEST_CASE("server: ingest bodies on both sides of the inline size are stored and answered", "[api][server]") {
  testing::TempDir dir;
  Running r(dir.path(), Running::test_options());
  auto c = r.client();
  std::string big = R"({"events":[)";
  for (int i = 0; i < 400; ++i) {
    big += (i ? "," : "") + std::string(R"({"user":"u2","item":"catalog-item-number-)") + std::to_string(i) + R"("})";
  }
  big += "]}";
  REQUIRE(big.size() > (16u << 10));  // decoded on the I/O pool
  auto res = c.request("POST", "/v1/events", big);
  REQUIRE(res.result_int() == 200);
  CHECK(body_of(res).at("accepted") == 400);
  res = c.request("POST", "/v1/events", R"({"user":"u2","item":"item-last"})");  // on the I/O thread
  REQUIRE(res.result_int() == 200);
  CHECK(body_of(res).at("accepted") == 1);
  CHECK(history_size(c, "u2") == 401);
}

TEST_CASE("server: body over the limit is refused from Content-Length, unread", "[api][server]") {
  testing::TempDir dir;
  auto options = Running::test_options();
  options.body_limit = 1024;
  Running r(dir.path(), options);
  {
    auto c = r.client();
    // Only the header is sent: the answer must not wait for the body.
    const auto res = c.raw(
        "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 100000000\r\n\r\n");
    CHECK(res.result_int() == 413);
    CHECK(body_of(res).at("error").at("code") == "payload_too_large");
    CHECK_FALSE(res.keep_alive());
    CHECK(c.closed_by_peer());
  }
  {
    auto c = r.client();
    std::string chunked =
        "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 4; ++i) chunked += "200\r\n" + std::string(512, ' ') + "\r\n";
    chunked += "0\r\n\r\n";
    const auto res = c.raw(chunked);
    CHECK(res.result_int() == 413);
  }
  {
    auto c = r.client();  // a body just under the limit is fine
    std::string body = R"({"user":"u1","item":"i1"})";
    body.resize(1000, ' ');
    CHECK(c.request("POST", "/v1/events", body).result_int() == 200);
  }
}

TEST_CASE("server: header over the limit gets 431", "[api][server]") {
  testing::TempDir dir;
  Running r(dir.path());
  auto c = r.client();
  const auto res = c.raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(20000, 'a') +
                         "\r\n\r\n");
  CHECK(res.result_int() == 431);
  auto d = r.client();
  const auto bad = d.raw("GET /healthz HTTP/1.1\r\nHost x\r\n\r\n");
  CHECK(bad.result_int() == 400);
}

TEST_CASE("server: keep-alive and pipelining keep request order", "[api][server]") {
  testing::TempDir dir;
  Running r(dir.path());
  auto c = r.client();
  for (int i = 0; i < 5; ++i) {
    const auto res = c.request("POST", "/v1/events",
                               R"({"user":"u1","item":"i)" + std::to_string(i) + R"("})");
    REQUIRE(res.result_int() == 200);
    CHECK(res.keep_alive());
  }
  CHECK(history_size(c, "u1") == 5);

  // Three requests in one write; a slow one (store) between fast ones.
  std::string pipelined;
  pipelined += "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  pipelined += "GET /v1/users/u1/history HTTP/1.1\r\nHost: x\r\n\r\n";
  pipelined += "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n";
  c.write(pipelined);
  CHECK(c.read().result_int() == 200);
  const auto history = c.read();
  CHECK(history.result_int() == 200);
  CHECK(body_of(history).at("events").as_array().size() == 5);
  CHECK(c.read().result_int() == 404);

  // Connection: close is honoured.
  const auto last = c.request("GET", "/healthz", "", {{"Connection", "close"}});
  CHECK(last.result_int() == 200);
  CHECK_FALSE(last.keep_alive());
  CHECK(c.closed_by_peer());
}

TEST_CASE("server: concurrent clients all succeed", "[api][server][concurrency]") {
  testing::TempDir dir;
  Running r(dir.path());
  constexpr int kClients = 8;
  constexpr int kRequests = 40;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      auto c = r.client();
      for (int i = 0; i < kRequests; ++i) {
        const auto res = c.request(
            "POST", "/v1/events",
            R"({"user":"u)" + std::to_string(t) + R"(","item":"i)" + std::to_string(i) + R"("})");
        if (res.result_int() == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == kClients * kRequests);
  auto c = r.client();
  for (int t = 0; t < kClients; ++t) CHECK(history_size(c, "u" + std::to_string(t)) == kRequests);
}

TEST_CASE("server: graceful stop finishes the request in flight", "[api][server]") {
  testing::TempDir dir;
  Running r(dir.path());
  auto busy = r.client();
  auto idle = r.client();
  CHECK(idle.get("/healthz").result_int() == 200);

  const std::string body = R"({"user":"u1","item":"late"})";
  busy.write("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 5));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the header is read
  auto stopped = std::async(std::launch::async, [&] { r.server->stop(); });
  // The idle connection is closed at once; the busy one is not.
  CHECK(idle.closed_by_peer());
  CHECK(stopped.wait_for(std::chrono::milliseconds(200)) == std::future_status::timeout);
  busy.write(body.substr(5));
  const auto res = busy.read();
  CHECK(res.result_int() == 200);
  CHECK_FALSE(res.keep_alive());
  CHECK(stopped.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(busy.closed_by_peer());
  // Refuses new connections once stopped.
  CHECK_THROWS(HttpClient(r.server->local_endpoint()));

  std::vector<service::HistoryEvent> h;
  REQUIRE(r.rec->events().history("u1", 10, &h).is_ok());
  CHECK(h.size() == 1);
}
