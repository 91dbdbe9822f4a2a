// Helpers shared by the service tests.
#pragma once

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "service/recommender.h"

namespace attnrec::testing {

// The item ids of a successful recommendation, best first.
inline std::vector<std::string> recommended(const service::Recommender& rec,
                                            const service::RecommendRequest& req) {
  service::Recommendations out;
  const service::Status s = rec.recommend(req, &out);
  INFO(s.message());
  REQUIRE(s.is_ok());
  std::vector<std::string> ids;
  for (const auto& r : out.items) ids.push_back(r.item);
  return ids;
}

}  // namespace attnrec::testing
