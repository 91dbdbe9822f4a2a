// Personalised search over a real socket: the same query orders the catalog
// differently for two users with opposite tastes, and new items are
// searchable in the next request.
#include <algorithm>
#include <cmath>
#include <thread>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "http_client.h"
#include "running_server.h"
#include "temp_dir.h"

using namespace attnrec;
using testing::HttpClient;
using testing::Running;
namespace json = boost::json;

namespace {

json::value body_of(const testing::Response& res) { return json::parse(res.body()); }

std::vector<std::string> ids(const json::value& body) {
  std::vector<std::string> out;
  for (const auto& e : body.at("items").as_array()) out.emplace_back(e.at("id").as_string());
  return out;
}

// Ten sci-fi and ten romance titles that all contain "love"; sci-fi fans only
// watch sci-fi, romance fans only romance.
void load(HttpClient& c) {
  json::array items;
  for (int i = 0; i < 10; ++i) {
    items.push_back(json::object{{"id", "s" + std::to_string(i)},
                                 {"title", "Love Among the Stars " + std::to_string(i)},
                                 {"tags", json::array{"sci-fi"}}});
    items.push_back(json::object{{"id", "r" + std::to_string(i)},
                                 {"title", "Love in Paris " + std::to_string(i)},
                                 {"tags", json::array{"romance"}}});
  }
  REQUIRE(c.request("POST", "/v1/items", json::serialize(json::object{{"items", items}})).result_int() == 200);
  json::array events;
  for (int u = 0; u < 120; ++u) {
    const std::string kind = u % 2 ? "r" : "s";
    for (int t = 0; t < 8 + u % 5; ++t) {
      events.push_back(json::object{{"user", kind + "fan" + std::to_string(u)},
                                    {"item", kind + std::to_string((u + t * 3) % 10)},
                                    {"ts", 1700000000 + t}});
    }
  }
  REQUIRE(c.request("POST", "/v1/events", json::serialize(json::object{{"events", events}})).result_int() == 200);
}

void train(HttpClient& c) {
  const auto started = c.request("POST", "/v1/admin/train",
                                 R"({"epochs":20,"batch":16,"lr":0.005,"patience":0,"dim":16,"ffn":32,"maxlen":16})");
  REQUIRE(started.result_int() == 202);
  const std::string job(body_of(started).at("job").as_string());
  for (int i = 0; i < 3000; ++i) {
    const auto j = body_of(c.get("/v1/admin/train/" + job));
    if (j.at("state") == "succeeded") return;
    REQUIRE((j.at("state") == "queued" || j.at("state") == "running"));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("training did not finish");
}

}  // namespace

TEST_CASE("search: opposite tastes get opposite orders for the same query", "[api][search]") {
  testing::TempDir dir;
  Running r(dir.path());
  HttpClient c = r.client();
  load(c);

  // Without a model (or a user) the order is pure text, the same for all.
  const auto text = body_of(c.get("/v1/search?q=love&k=20"));
  CHECK(text.at("strategy") == "text");
  CHECK(ids(text).size() == 20);
  CHECK(ids(body_of(c.get("/v1/search?q=love&k=20&user=sfan0"))) == ids(text));

  train(c);
  const auto scifi = body_of(c.get("/v1/search?q=love&k=20&user=sfan0"));
  const auto romance = body_of(c.get("/v1/search?q=love&k=20&user=rfan1"));
  CHECK(scifi.at("strategy") == "personalized");
  CHECK(romance.at("strategy") == "personalized");
  const auto a = ids(scifi), b = ids(romance);
  REQUIRE(a.size() == 20);
  REQUIRE(b.size() == 20);
  for (int i = 0; i < 5; ++i) {
    CHECK(a[size_t(i)][0] == 's');
    CHECK(b[size_t(i)][0] == 'r');
  }
  // Each result explains its parts. The blend is documented as
  // score = softmax over the candidates of (1 - w) * text + w * logit, with
  // w = 0.5 by default and personal_score = softmax of the logits; all 20
  // titles match "love", so all 20 candidates are returned and each softmax
  // sums to 1 over them. Hence, for any two results i and j,
  // log(score_i / score_j) = 0.5 (text_i - text_j) + 0.5 log(personal_i / personal_j).
  const auto& hits = scifi.at("items").as_array();
  auto field = [&](size_t i, const char* name) { return hits[i].at(name).to_number<double>(); };
  double score_sum = 0, personal_sum = 0;
  for (size_t i = 0; i < hits.size(); ++i) {
    CHECK(field(i, "text_score") > 0);
    CHECK(field(i, "personal_score") > 0);
    if (i > 0) CHECK(field(i, "score") <= field(i - 1, "score"));
    CHECK(std::log(field(i, "score") / field(0, "score")) ==
          Approx(0.5 * (field(i, "text_score") - field(0, "text_score")) +
                 0.5 * std::log(field(i, "personal_score") / field(0, "personal_score")))
              .margin(1e-6));
    score_sum += field(i, "score");
    personal_sum += field(i, "personal_score");
  }
  CHECK(score_sum == Approx(1.0));
  CHECK(personal_sum == Approx(1.0));
  // Pure text: no personal part, and the score is the softmax of BM25F alone.
  const auto& text_hits = text.at("items").as_array();
  for (const auto& hit : text_hits) {
    CHECK(hit.at("personal_score").to_number<double>() == 0.0);
    const double t = hit.at("text_score").to_number<double>();
    const double t0 = text_hits[0].at("text_score").to_number<double>();
    CHECK(hit.at("score").to_number<double>() ==
          Approx(text_hits[0].at("score").to_number<double>() * std::exp(t - t0)));
  }
  // personal_weight 0 is pure text again.
  CHECK(ids(body_of(c.get("/v1/search?q=love&k=20&user=sfan0&personal_weight=0"))) == ids(text));
  CHECK(c.get("/v1/search?q=love&personal_weight=2").result_int() == 422);

  // A session history personalises too.
  const auto session = body_of(c.request("POST", "/v1/search", R"({"q":"love","history":["r1","r4"],"k":5})"));
  for (const auto& id : ids(session)) CHECK(id[0] == 'r');

  // Typos, prefixes and diacritics; a new item is searchable at once, a
  // deleted one is gone; tags filter.
  CHECK(ids(body_of(c.get("/v1/search?q=pariss&k=3"))).front()[0] == 'r');
  CHECK(ids(body_of(c.get("/v1/search?q=amon&k=3"))).front()[0] == 's');
  REQUIRE(c.request("PUT", "/v1/items/new1", R"({"title":"Amélie à Montmartre","tags":["romance"]})").result_int() == 200);
  CHECK(ids(body_of(c.get("/v1/search?q=amelie%20montmartre"))).front() == "new1");
  CHECK(c.request("DELETE", "/v1/items/new1").result_int() == 204);
  CHECK(body_of(c.get("/v1/search?q=amelie%20montmartre")).at("items").as_array().empty());
  for (const auto& id : ids(body_of(c.get("/v1/search?q=love&k=20&tags=sci-fi")))) CHECK(id[0] == 's');
  CHECK(c.get("/v1/search?q=%20%20").result_int() == 422);
  CHECK(c.get("/v1/search?q=" + std::string(600, 'a')).result_int() == 422);
}
