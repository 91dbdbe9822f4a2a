// A full or read-only disk under a running server (base/disk_fault.h, applied
// to the store's RocksDB files by storage/rocks/fault_fs.h): every write
// answers 503 with a message that says so, nothing of it is stored, reads go
// on; after a full disk, writes work again as soon as it has space, without
// a restart; after a read-only one, once restarted.
#include <cerrno>
#include <string>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "base/disk_fault.h"
#include "http_client.h"
#include "running_server.h"
#include "service/service.h"
#include "temp_dir.h"

using namespace attnrec;
using testing::Running;
namespace json = boost::json;

namespace {

std::string event(const std::string& user, const std::string& item, const std::string& id = "") {
  return R"({"user":")" + user + R"(","item":")" + item + R"(")" + (id.empty() ? "" : R"(,"id":")" + id + "\"") +
         "}";
}

size_t history_size(testing::HttpClient& c, const std::string& user) {
  const auto res = c.get("/v1/users/" + user + "/history");
  if (res.result_int() == 404) return 0;
  REQUIRE(res.result_int() == 200);
  return json::parse(res.body()).at("events").as_array().size();
}

// Clears the fault even when a check fails.
struct Fault {
  Fault(std::string d, int err) : dir(std::move(d)) { set_disk_fault(dir, err); }
  ~Fault() { set_disk_fault(dir, 0); }
  std::string dir;
};

}  // namespace

TEST_CASE("store faults: a full or read-only disk answers 503 and stores nothing, a full one recovers without a restart",
          "[api][faults]") {
  const int err = GENERATE(ENOSPC, EROFS);
  const std::string why = err == ENOSPC ? "the disk is full" : "the disk is read-only";
  // A new user, and an event with an idempotency key.
  const std::string batch = R"({"events":[)" + event("u2", "c") + "," + event("u1", "d", "e2") + "]}";
  testing::TempDir dir;
  int acked = 0;
  {
    Running r(dir.path());
    auto c = r.client();
    REQUIRE(c.request("POST", "/v1/events", event("u1", "a", "e1")).result_int() == 200);
    REQUIRE(c.request("PUT", "/v1/items/a", R"({"title":"Heat"})").result_int() == 200);
    ++acked;
    {
      Fault fault(dir.path(), err);
      // Every kind of write, several times (RocksDB stays in its error state).
      const std::string writes[][3] = {
          {"POST", "/v1/events", event("u1", "b")},
          {"POST", "/v1/events", batch},
          {"PUT", "/v1/items/b", R"({"title":"Ronin"})"},
          {"POST", "/v1/items", R"({"items":[{"id":"c","title":"Alien"}]})"},
          {"DELETE", "/v1/items/a", ""},
          {"DELETE", "/v1/users/u1", ""},
          {"POST", "/v1/events", event("u1", "b")},
      };
      for (const auto& [method, target, body] : writes) {
        INFO(method << " " << target);
        const auto res = c.request(method, target, body);
        CHECK(res.result_int() == 503);
        const auto error = json::parse(res.body()).at("error");
        CHECK(error.at("code") == "unavailable");
        const std::string message(error.at("message").as_string());
        INFO(message);
        CHECK_THAT(message, Catch::Contains(why) && Catch::Contains("nothing of this request was stored"));
        CHECK(res.keep_alive());
      }
      // Reads go on and show nothing of the failed writes.
      CHECK(history_size(c, "u1") == 1);
      CHECK(history_size(c, "u2") == 0);
      CHECK(c.get("/v1/items/a").result_int() == 200);
      CHECK(c.get("/v1/items/b").result_int() == 404);
      CHECK(c.get("/v1/users/u1/recommendations").result_int() == 200);
      CHECK(r.rec->stats().events == 1);
      CHECK(r.rec->stats().users == 1);  // u2's id was not kept
    }
    if (err == ENOSPC) {
      // Space is back: the next write succeeds on the same server.
      auto res = c.request("POST", "/v1/events", batch);
      INFO(res.body());
      CHECK(res.result_int() == 200);
      CHECK(c.request("PUT", "/v1/items/b", R"({"title":"Ronin"})").result_int() == 200);
      // The idempotency key of a refused request was not taken.
      res = c.request("POST", "/v1/events", event("u1", "d", "e2"));
      CHECK(json::parse(res.body()) == json::parse(R"({"accepted":0,"duplicates":1})"));
    } else {
      // RocksDB does not resume from a failed WAL write that is not ENOSPC
      // (its error is fatal): the answer says to restart.
      const auto res = c.request("POST", "/v1/events", batch);
      CHECK(res.result_int() == 503);
      CHECK_THAT(res.body(), Catch::Contains("restart attnrec once the disk is writable"));
    }
  }
  if (err == EROFS) {
    Running restarted(dir.path());
    auto c = restarted.client();
    CHECK(history_size(c, "u1") == 1);  // nothing of the refused writes
    CHECK(c.request("POST", "/v1/events", batch)
              .result_int() == 200);
    CHECK(c.request("PUT", "/v1/items/b", R"({"title":"Ronin"})").result_int() == 200);
  }
  acked += 2;
  // After a restart: exactly what was acknowledged.
  Running again(dir.path());
  auto c = again.client();
  CHECK(history_size(c, "u1") == 2);
  CHECK(history_size(c, "u2") == 1);
  CHECK(again.rec->stats().events == static_cast<uint64_t>(acked));
  CHECK(c.get("/v1/items/b").result_int() == 200);
}

TEST_CASE("store faults: a read-only data directory at start is refused with a clear message", "[api][faults]") {
  testing::TempDir dir;
  { Running r(dir.path()); }  // an existing store
  Fault fault(dir.path(), EROFS);
  service::Config config;
  config.data_dir = dir.path();
  std::unique_ptr<service::Service> svc;
  const Status s = service::Service::open(config, &svc);
  INFO(s.message());
  CHECK_FALSE(s.is_ok());
  CHECK_THAT(s.message(), Catch::Contains("Read-only file system"));
  CHECK(svc == nullptr);
}
