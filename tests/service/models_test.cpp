// The model path of the Recommender: training jobs over the store, the
// registry, activation and rollback, and the answers the live model gives.
#include <atomic>
#include <chrono>
#include <fstream>
#include <numeric>
#include <thread>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "service/recommender.h"
#include "recommend_helpers.h"
#include "temp_dir.h"

using namespace attnrec::service;
using attnrec::testing::recommended;
using attnrec::testing::TempDir;
namespace json = boost::json;

namespace {

constexpr int kItems = 40;

std::string item_id(int i) { return "i" + std::to_string((i % kItems + kItems) % kItems); }

// A stream with one obvious rule: after item i comes item i+1 (mod 40). Users
// start at different items and have 8-20 events (so every position of the
// model sees training); a popularity model cannot know what comes next.
int start_of(int u) { return (u * 7) % kItems; }
int length_of(int u) { return 8 + u % 13; }
std::string next_of(int u) { return item_id(start_of(u) + length_of(u)); }

void ingest_chains(Recommender& rec, int users) {
  std::vector<EventInput> batch;
  for (int u = 0; u < users; ++u) {
    const int start = start_of(u);
    for (int t = 0; t < length_of(u); ++t) {
      EventInput e;
      e.user = "u" + std::to_string(u);
      e.item = item_id(start + t);
      e.ts_ms = 1700000000000 + t * 1000;
      batch.push_back(e);
    }
  }
  IngestResult r;
  REQUIRE(rec.ingest(batch, &r).is_ok());
}

std::unique_ptr<Recommender> open_at(const std::string& dir) {
  Config config;
  config.data_dir = dir;
  config.popularity_refresh_ms = 0;
  config.train.threads = 2;
  config.model.d = 32;
  config.model.maxlen = 16;
  config.model.dropout = 0.1f;
  std::unique_ptr<Recommender> rec;
  Status s = Recommender::open(config, &rec);
  INFO(s.message());
  REQUIRE(s.is_ok());
  return rec;
}

TrainJob wait_for(const Recommender& rec, const std::string& id) {
  TrainJob job;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (std::chrono::steady_clock::now() < deadline) {
    REQUIRE(rec.training_job(id, &job).is_ok());
    if (job.state != "queued" && job.state != "running") return job;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("training job " << id << " did not finish");
  return job;
}

TrainJob train(Recommender& rec, json::object options = {}) {
  options.emplace("epochs", 30);
  options.emplace("ffn", 64);  // small and quick (the default width is 512), also under TSan
  options.emplace("batch", 16);  // 8 steps an epoch on 120 users
  options.emplace("lr", 0.005);
  options.emplace("patience", 0);
  options.emplace("seed", 7);
  std::string id;
  Status s = rec.start_training(options, &id);
  INFO(s.message());
  REQUIRE(s.is_ok());
  TrainJob job = wait_for(rec, id);
  INFO(job.error);
  REQUIRE(job.state == "succeeded");
  return job;
}


}  // namespace

TEST_CASE("a retrain job learns the sequential pattern and serves it", "[models]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  ingest_chains(*rec, 120);
  CHECK(rec->live_model_version().empty());

  const TrainJob job = train(*rec);
  CHECK(job.version == "v1");
  CHECK(job.activated);
  CHECK(job.history.size() == 30);
  CHECK(job.metrics.at("valid").as_object().at("ndcg@10").to_number<double>() > 0.5);
  CHECK(rec->live_model_version() == "v1");

  // Stored user u5 watched i35..i12 (wrapping): next is i13.
  RecommendRequest req;
  req.user = "u5";
  req.k = 3;
  Recommendations out;
  REQUIRE(rec->recommend(req, &out).is_ok());
  CHECK(out.strategy == "sasrec");
  CHECK(out.model_version == "v1");
  CHECK(recommended(*rec, req).front() == next_of(5));
  int right = 0;
  for (int u = 0; u < 120; ++u) {
    req.user = "u" + std::to_string(u);
    right += recommended(*rec, req).front() == next_of(u);
  }
  CHECK(right >= 110);

  // A session that ends at i30 continues with i31; seen items are excluded.
  RecommendRequest session;
  session.history = {"i28", "i29", "i30"};
  session.k = 5;
  auto ids = recommended(*rec, session);
  CHECK(ids.front() == "i31");
  CHECK(std::find(ids.begin(), ids.end(), "i30") == ids.end());

  // explain=true names contributing history items.
  session.explain = true;
  REQUIRE(rec->recommend(session, &out).is_ok());
  CHECK_FALSE(out.items.front().because.empty());

  // Unknown users still get the fallback, and say so.
  RecommendRequest cold;
  cold.user = "nobody";
  REQUIRE(rec->recommend(cold, &out).is_ok());
  CHECK(out.strategy == "popularity");
}

TEST_CASE("rank, similar and explain use the live model", "[models]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  ingest_chains(*rec, 120);
  train(*rec);

  RankRequest rank;
  rank.history = {"i4", "i5", "i6"};
  rank.items = {"i20", "new-item", "i7", "i33"};
  RankResults ranked;
  REQUIRE(rec->rank(rank, &ranked).is_ok());
  REQUIRE(ranked.items.size() == 4);
  CHECK(ranked.strategy == "sasrec");
  CHECK(ranked.items.front().item == "i7");
  CHECK(ranked.items.back().item == "new-item");
  CHECK(ranked.items.back().fallback);
  CHECK_FALSE(ranked.items.front().fallback);

  Recommendations similar;
  REQUIRE(rec->similar("i10", 5, &similar).is_ok());
  CHECK(similar.items.size() == 5);
  for (const auto& s : similar.items) CHECK(s.item != "i10");
  CHECK(rec->similar("never-seen", 5, &similar).code() == Status::Code::kNotFound);

  Explanation ex;
  REQUIRE(rec->explain("u0", "i8", &ex).is_ok());
  CHECK(ex.model_version == "v1");
  REQUIRE(ex.layers.size() == 2);
  for (const auto& layer : ex.layers) {
    REQUIRE(layer.size() == 2);  // the default two heads
    for (const auto& head : layer) {
      double sum = 0;
      for (const auto& w : head) {
        CHECK(w.weight >= 0);
        sum += w.weight;
      }
      CHECK(sum == Approx(1.0).epsilon(1e-4));
      CHECK(head.size() == 8);  // u0's whole history (i0..i7) fits in maxlen
      CHECK(head.back().item == "i7");
      CHECK(head.front().position == 0);
    }
  }
  CHECK(rec->explain("nobody", "i1", &ex).code() == Status::Code::kNotFound);
  CHECK(rec->explain("u0", "nothing", &ex).code() == Status::Code::kNotFound);
}

TEST_CASE("versions are listed, rolled back, and survive a restart", "[models]") {
  TempDir dir;
  {
    auto rec = open_at(dir.path());
    ingest_chains(*rec, 120);
    train(*rec);
    const TrainJob second = train(*rec, json::object{{"activate", "always"}, {"seed", 8}});
    CHECK(second.version == "v2");
    CHECK(rec->live_model_version() == "v2");

    json::array models;
    REQUIRE(rec->list_models(&models).is_ok());
    REQUIRE(models.size() == 2);
    CHECK(models[0].at("version") == "v1");
    CHECK(models[0].at("active") == false);
    CHECK(models[1].at("active") == true);

    REQUIRE(rec->activate_model("v1").is_ok());
    CHECK(rec->live_model_version() == "v1");
    CHECK(rec->activate_model("v9").code() == Status::Code::kNotFound);
  }
  auto rec = open_at(dir.path());
  CHECK(rec->live_model_version() == "v1");
}

TEST_CASE("a corrupt checkpoint is refused while the live model keeps serving", "[models]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  ingest_chains(*rec, 120);
  train(*rec);
  train(*rec, json::object{{"seed", 9}});
  REQUIRE(rec->activate_model("v1").is_ok());
  {
    // Flip a byte in the middle of v2's file.
    std::fstream f(dir.path() + "/models/v2.sasrec", std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(f);
    f.seekp(2000);
    f.put('\x5a');
  }
  Status s = rec->activate_model("v2");
  CHECK(s.code() == Status::Code::kConflict);
  CHECK(s.message().find("checksum") != std::string::npos);
  CHECK(rec->live_model_version() == "v1");
  RecommendRequest req;
  req.user = "u0";
  CHECK(recommended(*rec, req).front() == next_of(0));
}

TEST_CASE("bad training options are refused before a job exists", "[models]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  std::string id;
  CHECK(rec->start_training(json::object{{"epochs", 0}}, &id).code() == Status::Code::kInvalidArgument);
  CHECK(rec->start_training(json::object{{"loss", "mse"}}, &id).code() == Status::Code::kInvalidArgument);
  CHECK(rec->start_training(json::object{{"colour", 1}}, &id).code() == Status::Code::kInvalidArgument);
  CHECK(rec->start_training(json::object{{"dim", 30}, {"heads", 4}}, &id).code() ==
        Status::Code::kInvalidArgument);
  TrainJob job;
  CHECK(rec->training_job("job-1", &job).code() == Status::Code::kNotFound);
}

TEST_CASE("a job on an empty store fails and a cancelled job writes nothing", "[models]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  std::string id;
  REQUIRE(rec->start_training(json::object{}, &id).is_ok());
  TrainJob failed = wait_for(*rec, id);
  CHECK(failed.state == "failed");
  CHECK(failed.error.find("not enough data") != std::string::npos);

  ingest_chains(*rec, 120);
  REQUIRE(rec->start_training(json::object{{"epochs", 100000}, {"patience", 0}}, &id).is_ok());
  TrainJob job;
  do {
    REQUIRE(rec->training_job(id, &job).is_ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  } while (job.state == "queued" || job.batch == 0);
  REQUIRE(rec->cancel_training(id).is_ok());
  job = wait_for(*rec, id);
  CHECK(job.state == "cancelled");
  CHECK(job.version.empty());
  CHECK(rec->cancel_training(id).code() == Status::Code::kConflict);
  json::array models;
  REQUIRE(rec->list_models(&models).is_ok());
  CHECK(models.empty());
  CHECK(rec->live_model_version().empty());
}

TEST_CASE("swapping models under concurrent requests fails none of them", "[models][concurrency]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  ingest_chains(*rec, 120);
  train(*rec);
  train(*rec, json::object{{"seed", 11}, {"activate", "always"}});

  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, answered{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 3; ++t) {
    clients.emplace_back([&, t] {
      RecommendRequest req;
      req.user = "u" + std::to_string(t);
      req.k = 10;
      while (!stop) {
        Recommendations out;
        if (!rec->recommend(req, &out).is_ok() || out.strategy != "sasrec" || out.items.size() != 10) {
          ++failures;
        }
        ++answered;
      }
    });
  }
  for (int i = 0; i < 40; ++i) REQUIRE(rec->activate_model(i % 2 ? "v1" : "v2").is_ok());
  stop = true;
  for (auto& c : clients) c.join();
  CHECK(failures == 0);
  CHECK(answered > 0);
}

TEST_CASE("the schedule retrains after N new events", "[models]") {
  TempDir dir;
  Config config;
  config.data_dir = dir.path();
  config.model.d = 16;
  config.model.maxlen = 16;
  config.train.epochs = 3;
  config.train.batch = 32;
  config.retrain_every_events = 1000;
  std::unique_ptr<Recommender> rec;
  REQUIRE(Recommender::open(config, &rec).is_ok());
  std::vector<EventInput> few(10);
  for (size_t i = 0; i < few.size(); ++i) {
    few[i].user = "early";
    few[i].item = item_id(int(i));
  }
  IngestResult r;
  REQUIRE(rec->ingest(few, &r).is_ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  TrainJob job;
  CHECK(rec->training_job("job-1", &job).code() == Status::Code::kNotFound);  // under the threshold

  ingest_chains(*rec, 120);  // well over 1,000 events: a job starts by itself
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (rec->live_model_version().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(rec->live_model_version() == "v1");
  job = wait_for(*rec, "job-1");
  CHECK(job.trigger == "schedule");
  CHECK(job.state == "succeeded");
}
