// Helpers shared by the service tests: a Service over a temporary store,
// events, and the ids a history or a recommendation holds.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "service/service.h"

namespace attnrec::testing {

inline std::unique_ptr<service::Service> open_at(const std::string& dir) {
  service::Config config;
  config.data_dir = dir;
  config.popularity_refresh_ms = 0;  // tests read their own writes
  std::unique_ptr<service::Service> svc;
  const Status s = service::Service::open(config, &svc);
  INFO(s.message());
  REQUIRE(s.is_ok());
  return svc;
}

inline service::EventInput event(std::string user, std::string item, int64_t ts_ms = 1700000000000,
                                 std::string id = "") {
  service::EventInput e;
  e.user = std::move(user);
  e.item = std::move(item);
  e.ts_ms = ts_ms;
  e.id = std::move(id);
  return e;
}

inline std::vector<std::string> history_items(const service::Service& svc, const std::string& user) {
  std::vector<service::HistoryEvent> h;
  REQUIRE(svc.events().history(user, 100, &h).is_ok());
  std::vector<std::string> out;
  for (const auto& e : h) out.push_back(e.item);
  return out;
}

// The item ids of a successful recommendation, best first.
inline std::vector<std::string> recommended(const service::Service& rec,
                                            const service::RecommendRequest& req) {
  service::Recommendations out;
  const Status s = rec.recommender().recommend(req, &out);
  INFO(s.message());
  REQUIRE(s.is_ok());
  std::vector<std::string> ids;
  for (const auto& r : out.items) ids.push_back(r.item);
  return ids;
}

}  // namespace attnrec::testing
