// A learnable stream for tests of the model routes over a real socket:
// after item i comes item i+1, so a trained model can be checked. Loaded
// through POST /v1/items and /v1/events, trained through /v1/admin/train.
// From the test's main thread (Catch2 assertions).
#pragma once

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "http_client.h"

namespace attnrec::testing::chain {

namespace json = boost::json;

constexpr int kItems = 40;
constexpr int kUsers = 120;

inline std::string item_id(int i) { return "i" + std::to_string((i % kItems + kItems) % kItems); }
inline int start_of(int u) { return (u * 7) % kItems; }
inline int length_of(int u) { return 8 + u % 13; }
inline std::string next_of(int u) { return item_id(start_of(u) + length_of(u)); }

inline json::value body_of(const testing::Response& res) { return json::parse(res.body()); }

// The "id" of every entry of a response's "items", in order.
inline std::vector<std::string> ids(const json::value& body) {
  std::vector<std::string> out;
  for (const auto& e : body.at("items").as_array()) out.emplace_back(e.at("id").as_string());
  return out;
}

// After item i comes item i+1; the catalog tags items "even" or "odd" and
// titles them "Chain part <i>" ("Finale" for multiples of ten).
inline void load(HttpClient& c) {
  json::array items;
  for (int i = 0; i < kItems; ++i) {
    items.push_back(json::object{{"id", item_id(i)},
                                 {"title", (i % 10 == 0 ? "Finale " : "Chain part ") + std::to_string(i)},
                                 {"tags", json::array{i % 2 ? "odd" : "even"}}});
  }
  REQUIRE(c.request("POST", "/v1/items", json::serialize(json::object{{"items", items}})).result_int() == 200);
  json::array events;
  for (int u = 0; u < kUsers; ++u) {
    for (int t = 0; t < length_of(u); ++t) {
      events.push_back(json::object{{"user", "u" + std::to_string(u)},
                                    {"item", item_id(start_of(u) + t)},
                                    {"ts", 1700000000 + t}});
    }
  }
  const auto res = c.request("POST", "/v1/events", json::serialize(json::object{{"events", events}}));
  REQUIRE(res.result_int() == 200);
}

// Starts a job and waits for it; returns its final JSON.
inline json::object train(HttpClient& c, json::object options = {}) {
  options.emplace("epochs", 30);
  options.emplace("ffn", 64);  // small and quick (the default width is 512), also under TSan
  options.emplace("batch", 16);
  options.emplace("lr", 0.005);
  options.emplace("patience", 0);
  options.emplace("seed", 7);
  const auto started = c.request("POST", "/v1/admin/train", json::serialize(options));
  INFO(started.body());
  REQUIRE(started.result_int() == 202);
  const std::string job(body_of(started).at("job").as_string());
  CHECK(started[boost::beast::http::field::location] == "/v1/admin/train/" + job);
  // Minutes: under TSan, beside other load, a job is slow.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto res = c.get("/v1/admin/train/" + job);
    REQUIRE(res.result_int() == 200);
    json::object j = body_of(res).as_object();
    if (j.at("state") != "queued" && j.at("state") != "running") return j;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("job " << job << " did not finish");
  return {};
}

}  // namespace attnrec::testing::chain
