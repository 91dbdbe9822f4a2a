// The model-backed routes over a real socket: a learnable stream ingested
// through POST /v1/events, a retrain through POST /v1/admin/train, then
// recommendations, sessions, filters, rank, explain, similar, search, the
// registry, a hot swap under load and a corrupt checkpoint refused.
#include <atomic>
#include <fstream>
#include <regex>
#include <thread>

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

}  // namespace

TEST_CASE("routes: train through the API, then the model serves every route", "[api][models]") {
  testing::TempDir dir;
  Running r(dir.path());
  HttpClient c = r.client();
  load(c);

  // Before training: the fallback, marked.
  auto res = c.get("/v1/users/u5/recommendations?k=3");
  REQUIRE(res.result_int() == 200);
  CHECK(body_of(res).at("strategy") == "popularity");
  CHECK(c.get("/v1/items/i1/similar").result_int() == 503);

  const json::object job = train(c);
  INFO(json::serialize(job));
  REQUIRE(job.at("state") == "succeeded");
  CHECK(job.at("version") == "v1");
  CHECK(job.at("activated") == true);
  CHECK(job.at("epochs").as_array().size() == 30);
  CHECK(job.at("metrics").at("valid").at("ndcg@10").to_number<double>() > 0.5);
  CHECK(job.at("metrics").at("popularity_valid").at("ndcg@10").to_number<double>() < 0.2);  // beaten

  // Stored users: the next item of their chain comes first.
  int right = 0;
  for (int u = 0; u < kUsers; u += 7) {
    res = c.get("/v1/users/u" + std::to_string(u) + "/recommendations?k=5");
    REQUIRE(res.result_int() == 200);
    const auto body = body_of(res);
    CHECK(body.at("strategy") == "sasrec");
    CHECK(body.at("model_version") == "v1");
    right += ids(body).front() == next_of(u);
  }
  CHECK(right >= 16);  // of 18

  // Sessions, filters and exclusions.
  res = c.request("POST", "/v1/recommendations", R"({"history":["i17","i18","i19","i20","i21","i22"],"k":5})");
  REQUIRE(res.result_int() == 200);
  CHECK(ids(body_of(res)).front() == "i23");
  res = c.request("POST", "/v1/recommendations", R"({"history":["i17","i18","i19","i20","i21","i22"],"k":5,"tags":["even"]})");
  for (const auto& id : ids(body_of(res))) CHECK(std::stoi(id.substr(1)) % 2 == 0);
  res = c.request("POST", "/v1/recommendations", R"({"history":["i17","i18","i19","i20","i21","i22"],"exclude":["i23"]})");
  for (const auto& id : ids(body_of(res))) CHECK(id != "i23");
  res = c.request("POST", "/v1/recommendations", R"({"history":["i17","i18","i19","i20","i21","i22"],"explain":true})");
  CHECK_FALSE(body_of(res).at("items").at(0).at("because").as_array().empty());
  res = c.request("POST", "/v1/recommendations", R"({"history":[]})");
  CHECK(body_of(res).at("strategy") == "popularity");

  // Rank: every candidate back, model order, unknown ones last and marked.
  res = c.request("POST", "/v1/rank", R"({"history":["i4","i5","i6"],"items":["i30","nope","i7","i15"]})");
  REQUIRE(res.result_int() == 200);
  auto ranked = body_of(res).at("items").as_array();
  REQUIRE(ranked.size() == 4);
  CHECK(ranked[0].at("id") == "i7");
  CHECK(ranked[0].at("fallback") == false);
  CHECK(ranked[3].at("id") == "nope");
  CHECK(ranked[3].at("fallback") == true);

  // Explain: per layer and head, weights over the history summing to one.
  res = c.get("/v1/users/u3/explain?item=" + next_of(3));
  REQUIRE(res.result_int() == 200);
  const auto ex = body_of(res);
  REQUIRE(ex.at("layers").as_array().size() == 2);
  for (const auto& layer : ex.at("layers").as_array()) {
    for (const auto& head : layer.at("heads").as_array()) {
      double sum = 0;
      for (const auto& w : head.at("weights").as_array()) sum += w.at("weight").to_number<double>();
      CHECK(sum == Approx(1.0).epsilon(1e-4));
      CHECK(head.at("weights").as_array().size() == size_t(length_of(3)));
    }
  }

  // Similar items and search.
  res = c.get("/v1/items/i10/similar?k=4");
  REQUIRE(res.result_int() == 200);
  CHECK(ids(body_of(res)).size() == 4);
  res = c.get("/v1/search?q=chain&user=u3&k=5");
  REQUIRE(res.result_int() == 200);
  const auto found = body_of(res);
  CHECK(found.at("strategy") == "personalized");
  REQUIRE(found.at("items").as_array().size() == 5);
  for (const auto& hit : found.at("items").as_array()) {
    CHECK(hit.as_object().contains("text_score"));
    CHECK(hit.as_object().contains("personal_score"));
    CHECK(hit.at("title").as_string().starts_with("Chain part"));
  }
  res = c.get("/v1/search?q=finale&k=10");
  CHECK(body_of(res).at("strategy") == "text");
  CHECK(body_of(res).at("items").as_array().size() == 4);
  res = c.request("POST", "/v1/search", R"({"q":"chain","history":["i1","i2"],"k":3})");
  REQUIRE(res.result_int() == 200);
  CHECK(ids(body_of(res)).front() == "i3");  // the session's next part ranks first

  // Errors.
  CHECK(c.get("/v1/search?q=").result_int() == 422);
  CHECK(c.get("/v1/search").result_int() == 422);
  CHECK(c.get("/v1/users/u3/explain").result_int() == 422);
  CHECK(c.get("/v1/users/nobody/explain?item=i1").result_int() == 404);
  CHECK(c.request("POST", "/v1/rank", R"({"history":["i1"]})").result_int() == 422);
  CHECK(c.request("POST", "/v1/rank", R"({"user":"u1","history":["i1"],"items":["i2"]})").result_int() == 422);
  CHECK(c.request("POST", "/v1/recommendations", R"({"history":["i1"],"k":0})").result_int() == 422);
  CHECK(c.request("POST", "/v1/recommendations", R"({"history":["i1"],"colour":1})").result_int() == 422);
  CHECK(c.request("POST", "/v1/admin/train", R"({"epochs":0})").result_int() == 422);
  CHECK(c.get("/v1/admin/train/job-99").result_int() == 404);
  CHECK(c.request("DELETE", "/v1/admin/train/" + std::string(job.at("job").as_string())).result_int() == 409);
  CHECK(c.request("POST", "/v1/models/v7/activate").result_int() == 404);

  // What a dashboard reads: the model, the jobs, the process; and every
  // series the shipped Grafana dashboard queries is served.
  res = c.get("/metrics");
  REQUIRE(res.result_int() == 200);
  const std::string metrics = res.body();
  CHECK(metrics.find("\nattnrec_model_info{version=\"v1\",kind=\"sasrec\"} 1\n") != std::string::npos);
  const size_t age_at = metrics.find("\nattnrec_model_age_seconds ");
  REQUIRE(age_at != std::string::npos);
  const double age = std::stod(metrics.substr(age_at + 27, 16));
  CHECK(age >= 0);
  CHECK(age < 600);  // trained by this test, seconds ago (not the epoch's age)
  const size_t ndcg_at = metrics.find("\nattnrec_model_valid_ndcg10 ");
  REQUIRE(ndcg_at != std::string::npos);
  const double ndcg = std::stod(metrics.substr(ndcg_at + 28, 12));
  CHECK(ndcg == Approx(job.at("metrics").at("valid").at("ndcg@10").to_number<double>()).margin(1e-4));
  CHECK(metrics.find("\nattnrec_training_jobs{state=\"succeeded\"} 1\n") != std::string::npos);
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
                           "process_start_time_seconds"}) {
    CHECK(metrics.find("\n" + std::string(name) + " ") != std::string::npos);
  }
  std::ifstream f(ATTNREC_SOURCE_DIR "/docs/grafana/attnrec.json");
  REQUIRE(f);
  const json::value dashboard = json::parse(std::string(std::istreambuf_iterator<char>(f), {}));
  size_t names = 0;
  const std::regex metric_name("(attnrec|process)_[a-z0-9_]+");
  for (const auto& panel : dashboard.at("panels").as_array()) {
    for (const auto& target : panel.at("targets").as_array()) {
      const std::string expr(target.at("expr").as_string());
      for (std::sregex_iterator it(expr.begin(), expr.end(), metric_name), end; it != end; ++it) {
        INFO(panel.at("title").as_string() << ": " << it->str());
        CHECK(metrics.find("\n" + it->str()) != std::string::npos);
        ++names;
      }
    }
  }
  CHECK(names >= 20);
}

TEST_CASE("routes: hot swap under load fails nothing and a corrupt version is refused", "[api][models][concurrency]") {
  testing::TempDir dir;
  Running r(dir.path());
  HttpClient c = r.client();
  load(c);
  REQUIRE(train(c).at("state") == "succeeded");
  const json::object second = train(c, json::object{{"seed", 8}, {"activate", "always"}});
  REQUIRE(second.at("state") == "succeeded");
  CHECK(second.at("version") == "v2");

  auto models = body_of(c.get("/v1/models"));
  CHECK(models.at("active") == "v2");
  REQUIRE(models.at("models").as_array().size() == 2);

  std::atomic<bool> stop{false};
  std::atomic<int> failed{0}, answered{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 3; ++t) {
    clients.emplace_back([&, t] {
      HttpClient mine = r.client();
      while (!stop) {
        const auto res = mine.get("/v1/users/u" + std::to_string(t) + "/recommendations?k=10");
        const bool ok = res.result_int() == 200 && res.body().find("\"strategy\":\"sasrec\"") != std::string::npos;
        failed += !ok;
        ++answered;
      }
    });
  }
  for (int i = 0; i < 30; ++i) {
    const auto res = c.request("POST", std::string("/v1/models/") + (i % 2 ? "v2" : "v1") + "/activate");
    REQUIRE(res.result_int() == 200);
  }
  stop = true;
  for (auto& t : clients) t.join();
  CHECK(failed == 0);
  CHECK(answered > 30);

  // v1 live; v2's file damaged: activation refused, v1 keeps serving.
  REQUIRE(c.request("POST", "/v1/models/v1/activate").result_int() == 200);
  {
    std::fstream f(dir.path() + "/models/v2.sasrec", std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(f);
    f.seekp(1500);
    f.put('\x33');
  }
  const auto refused = c.request("POST", "/v1/models/v2/activate");
  CHECK(refused.result_int() == 409);
  CHECK(refused.body().find("checksum") != std::string::npos);
  CHECK(body_of(c.get("/v1/models")).at("active") == "v1");
  const auto served = c.get("/v1/users/u0/recommendations?k=1");
  CHECK(body_of(served).at("model_version") == "v1");
  CHECK(ids(body_of(served)).front() == next_of(0));
}
