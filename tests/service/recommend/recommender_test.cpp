// Tests of service/recommend/recommender.* through the Service.
#include <catch2/catch.hpp>

#include "service/service.h"
#include "service/service_fixture.h"
#include "temp_dir.h"

using namespace attnrec::service;
using namespace attnrec::testing;
using attnrec::Status;

TEST_CASE("popularity recommendations honour seen items, tags, exclusions and deletions", "[recommender]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  const int64_t now = 1700000000000;
  std::vector<EventInput> batch;
  // m1 most popular, then m2, m3, m4.
  for (int i = 0; i < 4; ++i) batch.push_back(event("u" + std::to_string(i), "m1", now));
  for (int i = 0; i < 3; ++i) batch.push_back(event("u" + std::to_string(i), "m2", now));
  for (int i = 0; i < 2; ++i) batch.push_back(event("u" + std::to_string(i), "m3", now));
  batch.push_back(event("u9", "m4", now));
  IngestResult r;
  REQUIRE(rec->events().ingest(batch, &r).is_ok());
  Item m3;
  m3.id = "m3";
  m3.tags = {"comedy"};
  Item m4;
  m4.id = "m4";
  m4.tags = {"comedy", "drama"};
  REQUIRE(rec->catalog().put({m3, m4}).is_ok());

  RecommendRequest req;
  req.k = 10;
  Recommendations out;
  REQUIRE(rec->recommender().recommend(req, &out).is_ok());
  CHECK(out.strategy == "popularity");
  CHECK(recommended(*rec, req) == std::vector<std::string>{"m1", "m2", "m3", "m4"});

  req.user = "u3";  // has seen m1 only
  CHECK(recommended(*rec, req) == std::vector<std::string>{"m2", "m3", "m4"});
  req.exclude_seen = false;
  CHECK(recommended(*rec, req).front() == "m1");

  req.user.clear();
  req.history = {"m2"};
  req.exclude_seen = true;
  req.exclude = {"m1"};
  CHECK(recommended(*rec, req) == std::vector<std::string>{"m3", "m4"});

  RecommendRequest tagged;
  tagged.tags = {"drama"};
  CHECK(recommended(*rec, tagged) == std::vector<std::string>{"m4"});

  REQUIRE(rec->catalog().erase("m3").is_ok());
  RecommendRequest all;
  CHECK(recommended(*rec, all) == std::vector<std::string>{"m1", "m2", "m4"});

  RecommendRequest bad;
  bad.k = 0;
  CHECK(rec->recommender().recommend(bad, &out).code() == Status::Code::kInvalidArgument);
}
