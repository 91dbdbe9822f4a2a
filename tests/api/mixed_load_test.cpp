// Every kind of request at once over a real socket (issue 12, item 7): the
// ThreadSanitizer preset runs it (label concurrency) to find races between
// ingest, recommendations, search, rank, a retrain, model swaps and
// rollbacks, item upserts and deletes and user erasure. No request may
// fail; afterwards every acknowledged event is in its user's history
// exactly once and every erased user is gone.
//
// Worker threads never call Catch2: they count failures and keep the
// first message; the main thread asserts.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "chain_data.h"
#include "http_client.h"
#include "running_server.h"
#include "service/json_codec.h"
#include "temp_dir.h"

using namespace attnrec;
using namespace testing::chain;
using testing::HttpClient;
using testing::Running;

namespace {

struct Failures {
  std::atomic<int> count{0};
  std::mutex mu;
  std::string first;  // guarded by mu

  // Records a request that did not answer `want`; false then.
  bool expect(const testing::Response& res, int want, const std::string& what) {
    if (static_cast<int>(res.result_int()) == want) return true;
    if (count++ == 0) {
      std::lock_guard lock(mu);
      first = what + ": " + std::to_string(res.result_int()) + " " + res.body();
    }
    return false;
  }
  void add(const std::string& what) {
    if (count++ == 0) {
      std::lock_guard lock(mu);
      first = what;
    }
  }
};

}  // namespace

TEST_CASE("mixed load: ingest and reads and a retrain and swaps and catalog changes and erasure at once fail nothing",
          "[api][concurrency]") {
  testing::TempDir dir;
  Running r(dir.path());
  HttpClient c = r.client();
  load(c);
  REQUIRE(train(c, json::object{{"activate", "always"}, {"epochs", 5}}).at("state") == "succeeded");  // v1 serves

  Failures failures;
  std::atomic<bool> stop{false};
  std::atomic<int> trained{0}, swaps{0}, reads{0};
  constexpr int kWriters = 2;
  std::vector<std::vector<std::pair<std::string, int64_t>>> acked(kWriters);  // (user, ts) per writer
  std::vector<std::string> erased;  // written by the eraser thread only, read after join
  // Declared after everything the threads use, so joined before it goes.
  std::vector<std::thread> threads;
  // Joined on every way out, a failed REQUIRE on this thread included.
  struct JoinAll {
    std::atomic<bool>& stop;
    std::vector<std::thread>& threads;
    ~JoinAll() {
      stop = true;
      for (auto& t : threads) {
        if (t.joinable()) t.join();
      }
    }
  } join_all{stop, threads};
  // Runs `step` until told to stop; an exception (a broken connection) is a failure too.
  auto worker = [&](const std::string& name, std::function<void(HttpClient&, int)> step) {
    threads.emplace_back([&, name, step = std::move(step)] {
      try {
        HttpClient mine = r.client();
        for (int i = 0; !stop; ++i) {
          step(mine, i);
          // Paced: the retrain runs at nice +10 and must not starve (TSan
          // makes every request several times slower).
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      } catch (const std::exception& e) {
        failures.add(name + ": " + e.what());
      }
    });
  };

  // Ingest: two writers, batches with ids, each event unique per user by its time.
  for (int w = 0; w < kWriters; ++w) {
    worker("ingest", [&, w](HttpClient& h, int i) {
      json::array events;
      std::vector<std::pair<std::string, int64_t>> batch;
      for (int e = 0; e < 5; ++e) {
        const std::string user = "w" + std::to_string(w) + "-u" + std::to_string((i * 5 + e) % 40);
        const int64_t ts = 1700000000 + i * 5 + e;
        events.push_back(json::object{{"user", user}, {"item", item_id(i + e)}, {"ts", ts},
                                      {"id", user + "@" + std::to_string(ts)}});
        batch.emplace_back(user, ts);
      }
      const auto res = h.request("POST", "/v1/events", json::serialize(json::object{{"events", events}}));
      if (failures.expect(res, 200, "POST /v1/events")) acked[w].insert(acked[w].end(), batch.begin(), batch.end());
    });
  }
  worker("recommendations", [&](HttpClient& h, int i) {
    if (failures.expect(h.get("/v1/users/u" + std::to_string(i % kUsers) + "/recommendations?k=5"), 200,
                        "GET recommendations")) {
      ++reads;
    }
  });
  worker("session and search", [&](HttpClient& h, int i) {
    failures.expect(h.request("POST", "/v1/recommendations",
                              json::serialize(json::object{{"history", json::array{item_id(i), item_id(i + 1)}}})),
                    200, "POST /v1/recommendations");
    failures.expect(h.get("/v1/search?q=chain&k=5&user=u" + std::to_string(i % kUsers)), 200, "GET /v1/search");
  });
  worker("rank and similar", [&](HttpClient& h, int i) {
    const json::object body{{"user", "u" + std::to_string(i % kUsers)},
                            {"items", json::array{item_id(i), item_id(i + 3), item_id(i + 7)}}};
    failures.expect(h.request("POST", "/v1/rank", json::serialize(body)), 200, "POST /v1/rank");
    failures.expect(h.get("/v1/items/" + item_id(i) + "/similar?k=3"), 200, "GET similar");
  });
  worker("catalog", [&](HttpClient& h, int i) {
    // A new item each time, the one before it deleted, and a chain item retitled.
    const std::string id = "x" + std::to_string(i);
    failures.expect(h.request("PUT", "/v1/items/" + id, json::serialize(json::object{{"title", "Chain extra " + id}})),
                    200, "PUT item");
    if (i > 0) failures.expect(h.request("DELETE", "/v1/items/x" + std::to_string(i - 1)), 204, "DELETE item");
    failures.expect(h.request("PUT", "/v1/items/" + item_id(i),
                              json::serialize(json::object{{"title", "Chain part " + std::to_string(i)},
                                                           {"tags", json::array{i % 2 ? "odd" : "even"}}})),
                    200, "PUT chain item");
  });
  worker("erase", [&](HttpClient& h, int i) {
    // Users only this thread writes: created, read, erased.
    const std::string user = "gone-" + std::to_string(i);
    json::array events;
    for (int e = 0; e < 6; ++e) events.push_back(json::object{{"user", user}, {"item", item_id(i + e)}, {"ts", 1700000000 + e}});
    if (!failures.expect(h.request("POST", "/v1/events", json::serialize(json::object{{"events", events}})), 200,
                         "POST /v1/events (to erase)")) {
      return;
    }
    failures.expect(h.get("/v1/users/" + user + "/recommendations?k=3"), 200, "GET recommendations (to erase)");
    if (failures.expect(h.request("DELETE", "/v1/users/" + user), 204, "DELETE user")) erased.push_back(user);
  });
  worker("swap and rollback", [&](HttpClient& h, int i) {
    // Between the versions there are, back and forth (v1 and whatever the retrain adds).
    const auto res = h.get("/v1/models");
    if (!failures.expect(res, 200, "GET /v1/models")) return;
    const json::value body = body_of(res);
    const json::array& models = body.at("models").as_array();
    const std::string v(models[static_cast<size_t>(i) % models.size()].at("version").as_string());
    if (failures.expect(h.request("POST", "/v1/models/" + v + "/activate"), 200, "activate " + v)) ++swaps;
  });

  // The retrain runs on the main thread's client, beside all of the above.
  const json::object job = train(c, json::object{{"seed", 8}, {"activate", "always"}, {"epochs", 5}});
  if (job.at("state") != "succeeded") failures.add("retrain: " + json::serialize(job));
  ++trained;
  // A few more swaps including the new version, then stop.
  const int swaps_after_train = swaps + 4;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (swaps < swaps_after_train && failures.count == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  for (auto& t : threads) t.join();
  threads.clear();
  {
    std::lock_guard lock(failures.mu);
    INFO(failures.first);
    REQUIRE(failures.count == 0);
  }
  CHECK(trained == 1);
  CHECK(swaps >= 4);
  CHECK(reads > 0);

  // Every acknowledged event once in its user's history: the newest 512 (the
  // default history cap) of them when a user got more, as a fast ingest path
  // and a slow retrain (a sanitizer build) can make it.
  std::map<std::string, std::map<int64_t, int>> expected;
  size_t acked_events = 0;
  for (const auto& writer : acked) {
    for (const auto& [user, ts] : writer) {
      ++expected[user][ts * 1000];
      ++acked_events;
    }
  }
  for (const auto& [user, times] : expected) {
    const auto res = c.get("/v1/users/" + user + "/history?limit=1000");
    REQUIRE(res.result_int() == 200);
    std::map<int64_t, int> seen;
    const json::value body = body_of(res);
    for (const auto& e : body.at("events").as_array()) {
      int64_t ms = 0;
      REQUIRE(service::parse_rfc3339(std::string(e.at("ts").as_string()), &ms));
      ++seen[ms];
    }
    std::map<int64_t, int> newest = times;  // each time once per user
    while (newest.size() > 512) newest.erase(newest.begin());
    INFO("user " << user << ", " << times.size() << " events acknowledged");
    CHECK(seen == newest);
  }
  for (const std::string& user : erased) {
    INFO("erased user " << user);
    CHECK(c.get("/v1/users/" + user + "/history").result_int() == 404);
  }
  CHECK(acked_events > 0);
  CHECK_FALSE(erased.empty());
  WARN("mixed load: " << acked_events << " events acknowledged and found once, " << erased.size()
                      << " users erased and gone, " << swaps << " swaps, " << reads << " recommendations");
}
