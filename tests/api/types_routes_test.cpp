// The event-type policy over a real socket (model/type_policy.h,
// service/recommend/user_encoder.h): an item a user marked negative never
// comes back to that user on any route that takes one, even when the user
// liked it before, with and without a model and across a retrain; negative
// and unlisted types never enter the history the model reads; a rejected
// batch stores none of its events, the negative ones included.
#include <algorithm>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "chain_data.h"
#include "http_client.h"
#include "running_server.h"
#include "temp_dir.h"

using namespace attnrec;
using testing::HttpClient;
using namespace testing::chain;
using testing::Running;
namespace json = boost::json;

namespace {

bool contains(const std::vector<std::string>& v, const std::string& item) {
  return std::find(v.begin(), v.end(), item) != v.end();
}

// A service whose policy names its positives: view (the ingest default),
// like, and purchase at weight 2; dislike and hide are negative; anything
// else (here `share`) is ignored.
service::Config typed_config() {
  service::Config config;
  auto types = model::TypePolicy::parse("view,like,purchase:2", "dislike,hide");
  REQUIRE(types.ok());
  config.types = types.value();
  return config;
}

void ingest(HttpClient& c, const std::string& events) {
  const auto res = c.request("POST", "/v1/events", R"({"events":[)" + events + "]}");
  INFO(res.body());
  REQUIRE(res.result_int() == 200);
}

// Every user route's items for `user`: recommendations (seen items kept,
// so a liked item could come back), rank of `candidates`, and personalised
// search over every title.
struct UserRoutes {
  std::vector<std::string> recommended, ranked, searched;
};
UserRoutes user_routes(HttpClient& c, const std::string& user, const std::vector<std::string>& candidates) {
  UserRoutes out;
  auto res = c.get("/v1/users/" + user + "/recommendations?k=" + std::to_string(kItems) + "&exclude_seen=false");
  REQUIRE(res.result_int() == 200);
  out.recommended = ids(body_of(res));
  json::array items;
  for (const auto& i : candidates) items.emplace_back(i);
  res = c.request("POST", "/v1/rank", json::serialize(json::object{{"user", user}, {"items", items}}));
  REQUIRE(res.result_int() == 200);
  out.ranked = ids(body_of(res));
  for (const std::string q : {"chain", "finale"}) {
    res = c.get("/v1/search?q=" + q + "&user=" + user + "&k=" + std::to_string(kItems));
    REQUIRE(res.result_int() == 200);
    for (auto& id : ids(body_of(res))) out.searched.push_back(std::move(id));
  }
  return out;
}

}  // namespace

TEST_CASE("types: a disliked item never comes back to that user on any route", "[api][types]") {
  testing::TempDir dir;
  Running r(dir.path(), Running::test_options(), typed_config());
  HttpClient c = r.client();
  load(c);
  const std::string user = "u3", next = next_of(3), liked = "i5";
  const std::vector<std::string> candidates = {next, liked, "i1", "i2"};

  // No model yet: the popularity fallback and text search leave out the
  // items the user disliked too. u3 liked i5, then disliked it, both before
  // the chain (so the chain's last item stays the one the model reads last).
  ingest(c, R"({"user":"u3","item":"i5","type":"like","ts":1699999000})");
  auto before = user_routes(c, user, candidates);
  CHECK(contains(before.recommended, liked));
  CHECK(contains(before.ranked, liked));
  ingest(c, R"({"user":"u3","item":"i5","type":"dislike","ts":1699999001})");
  auto routes = user_routes(c, user, candidates);
  CHECK_FALSE(contains(routes.recommended, liked));
  CHECK_FALSE(contains(routes.ranked, liked));
  CHECK_FALSE(contains(routes.searched, liked));
  CHECK(routes.ranked.size() == candidates.size() - 1);

  // A model: its first choice for u3 is the next item of the chain.
  json::object job = train(c);
  REQUIRE(job.at("state") == "succeeded");
  auto res = c.get("/v1/users/u3/recommendations?k=3");
  REQUIRE(res.result_int() == 200);
  REQUIRE(body_of(res).at("strategy") == "sasrec");
  REQUIRE(ids(body_of(res)).front() == next);
  routes = user_routes(c, user, candidates);
  CHECK_FALSE(contains(routes.recommended, liked));
  CHECK_FALSE(contains(routes.ranked, liked));
  CHECK_FALSE(contains(routes.searched, liked));
  CHECK(contains(routes.searched, next));

  // Hiding the model's first choice takes it out at once (the ingest drops
  // the user's cached encoding) on every route; others still get it.
  ingest(c, R"({"user":"u3","item":")" + next + R"(","type":"hide","ts":1700001002})");
  routes = user_routes(c, user, candidates);
  for (const auto& item : {next, liked}) {
    INFO(item);
    CHECK_FALSE(contains(routes.recommended, item));
    CHECK_FALSE(contains(routes.ranked, item));
    CHECK_FALSE(contains(routes.searched, item));
  }
  std::sort(routes.ranked.begin(), routes.ranked.end());
  CHECK(routes.ranked == std::vector<std::string>{"i1", "i2"});
  res = c.request("POST", "/v1/rank", R"({"history":["i5"],"items":[")" + next + R"(","i5"]})");
  CHECK(ids(body_of(res)).size() == 2);  // a session has no negatives

  // The negatives never entered the history the model reads: the
  // explanation's history is the chain and the like, not the dislike or the hide.
  res = c.get("/v1/users/u3/explain?item=i1");
  REQUIRE(res.result_int() == 200);
  const json::value explained = body_of(res);
  CHECK(explained.at("layers").at(0).at("heads").at(0).at("weights").as_array().size() ==
        size_t(length_of(3)) + 1);
  // The stored history keeps every event as it came, types and all.
  res = c.get("/v1/users/u3/history");
  REQUIRE(res.result_int() == 200);
  const json::value history = body_of(res);
  const auto& events = history.at("events").as_array();
  REQUIRE(events.size() == size_t(length_of(3)) + 3);
  CHECK(events[0].at("type") == "like");
  CHECK(events[1].at("type") == "dislike");
  CHECK(events.back().at("type") == "hide");

  // A retrain reads the same policy: still never recommended.
  job = train(c);
  REQUIRE(job.at("state") == "succeeded");
  routes = user_routes(c, user, candidates);
  for (const auto& item : {next, liked}) {
    INFO(item);
    CHECK_FALSE(contains(routes.recommended, item));
    CHECK_FALSE(contains(routes.ranked, item));
    CHECK_FALSE(contains(routes.searched, item));
  }
  // Another user on the same chain still gets it.
  bool someone = false;
  for (int u = 0; u < kUsers && !someone; ++u) {
    if (u != 3 && next_of(u) == next) {
      res = c.get("/v1/users/u" + std::to_string(u) + "/recommendations?k=3");
      someone = contains(ids(body_of(res)), next);
    }
  }
  CHECK(someone);
}

TEST_CASE("types: unlisted types are ignored by the model, and a rejected batch changes nothing", "[api][types]") {
  testing::TempDir dir;
  Running r(dir.path(), Running::test_options(), typed_config());
  HttpClient c = r.client();
  load(c);
  REQUIRE(train(c).at("state") == "succeeded");
  const std::string next = next_of(7);
  auto top = [&](const std::string& user) {
    const auto res = c.get("/v1/users/" + user + "/recommendations?k=5");
    REQUIRE(res.result_int() == 200);
    return ids(body_of(res));
  };
  const auto first = top("u7");
  REQUIRE(first.front() == next);
  auto explained = [&](const std::string& user) {
    const auto res = c.get("/v1/users/" + user + "/explain?item=i1");
    REQUIRE(res.result_int() == 200);
    return body_of(res).at("layers").at(0).at("heads").at(0).at("weights").as_array().size();
  };
  const size_t length = explained("u7");

  // A `share` of an unrelated item: stored, but neither in the model's
  // history nor an exclusion.
  ingest(c, R"({"user":"u7","item":"i0","type":"share","ts":1700001000})");
  CHECK(explained("u7") == length);
  CHECK(top("u7") == first);

  // A batch with one bad event is refused whole: the dislike before it is
  // not stored either, so the item still comes first.
  auto res = c.request("POST", "/v1/events",
                       R"({"events":[{"user":"u7","item":")" + next +
                           R"(","type":"dislike"},{"user":"u7","item":"i2","type":"Not A Type"}]})");
  CHECK(res.result_int() == 422);
  CHECK(top("u7") == first);
  res = c.get("/v1/users/u7/history?limit=1");
  CHECK(body_of(res).at("events").at(0).at("type") == "share");

  // The same dislike alone is taken.
  ingest(c, R"({"user":"u7","item":")" + next + R"(","type":"dislike"})");
  CHECK_FALSE(contains(top("u7"), next));
  CHECK(explained("u7") == length);
}
