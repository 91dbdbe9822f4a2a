// The model path of the service: training jobs over the store, the
// registry, activation and rollback, and the answers the live model gives.
#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <thread>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "base/crash_point.h"
#include "base/durable_file.h"
#include "base/random.h"
#include "base/disk_fault.h"
#include "service/service.h"
#include "service/service_fixture.h"
#include "service/training/job_journal.h"
#include "storage/store.h"
#include "temp_dir.h"

using namespace attnrec::service;
using attnrec::Status;
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

void ingest_chains(Service& rec, int users) {
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
  REQUIRE(rec.events().ingest(batch, &r).is_ok());
}

// `tweak` changes the small test settings further.
std::unique_ptr<Service> open_at(const std::string& dir, const std::function<void(Config&)>& tweak = {}) {
  Config config;
  config.data_dir = dir;
  config.popularity_refresh_ms = 0;
  config.train.threads = 2;
  config.model.d = 32;
  config.model.maxlen = 16;
  config.model.dropout = 0.1f;
  if (tweak) tweak(config);
  std::unique_ptr<Service> rec;
  Status s = Service::open(config, &rec);
  INFO(s.message());
  REQUIRE(s.is_ok());
  return rec;
}

TrainJob wait_for(const Service& rec, const std::string& id) {
  TrainJob job;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (std::chrono::steady_clock::now() < deadline) {
    REQUIRE(rec.models().job(id, &job).is_ok());
    if (job.state != JobState::kQueued && job.state != JobState::kRunning) return job;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("training job " << id << " did not finish");
  return job;
}

// Small and quick settings (the default width is 512), also under TSan;
// `tweak` changes them further.
TrainOptions quick_options(const Service& rec, const std::function<void(TrainOptions&)>& tweak = {}) {
  TrainOptions options = rec.models().default_options();
  options.train.epochs = 30;
  options.model.d_ff = 64;
  options.train.batch = 16;  // 8 steps an epoch on 120 users
  options.train.lr = 0.005f;
  options.train.patience = 0;
  options.train.seed = 7;
  if (tweak) tweak(options);
  return options;
}

TrainJob train(Service& rec, const std::function<void(TrainOptions&)>& tweak = {}) {
  const TrainOptions options = quick_options(rec, tweak);
  std::string id;
  Status s = rec.models().start_training(options, &id);
  INFO(s.message());
  REQUIRE(s.is_ok());
  TrainJob job = wait_for(rec, id);
  INFO(job.error);
  REQUIRE(job.state == JobState::kSucceeded);
  return job;
}


}  // namespace

TEST_CASE("a retrain job learns the sequential pattern and serves it", "[models]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  ingest_chains(*rec, 120);
  CHECK(rec->models().live_version().empty());

  const TrainJob job = train(*rec);
  CHECK(job.version == "v1");
  CHECK(job.activated);
  CHECK(job.history.size() == 30);
  REQUIRE(job.metrics);
  CHECK(job.metrics->valid.ndcg10() > 0.5);
  // Popularity was ranked on the same validation items and lost.
  CHECK(job.metrics->popularity_valid.users == job.metrics->valid.users);
  CHECK(job.metrics->popularity_valid.ndcg10() < 0.2);
  CHECK(job.decision.find("popularity") != std::string::npos);
  CHECK(rec->models().live_version() == "v1");

  // Stored user u5 watched i35..i12 (wrapping): next is i13.
  RecommendRequest req;
  req.user = "u5";
  req.k = 3;
  Recommendations out;
  REQUIRE(rec->recommender().recommend(req, &out).is_ok());
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
  REQUIRE(rec->recommender().recommend(session, &out).is_ok());
  CHECK_FALSE(out.items.front().because.empty());

  // Unknown users still get the fallback, and say so.
  RecommendRequest cold;
  cold.user = "nobody";
  REQUIRE(rec->recommender().recommend(cold, &out).is_ok());
  CHECK(out.strategy == "popularity");
}

namespace {

// Sparse events on which popularity knows what the model cannot learn
// (the same as tests/model/trainer_test.cpp's): a user has one of 5
// popular items, two items nobody else has, then two popular items (the
// validation and test targets). The training parts hold a popular item only
// as a sequence's first item, never as a target, so the model is never
// taught to predict one, while popularity counts each about users / 5 times.
void ingest_popular_untaught(Service& rec, int users) {
  attnrec::Rng rng(5);
  std::vector<EventInput> batch;
  for (int u = 0; u < users; ++u) {
    const std::string own = "r" + std::to_string(u) + "-";
    int t = 0;
    for (const std::string& item : {"p" + std::to_string(rng.below(5)), own + "a", own + "b",
                                    "p" + std::to_string(rng.below(5)), "p" + std::to_string(rng.below(5))}) {
      EventInput e;
      e.user = "s" + std::to_string(u);
      e.item = item;
      e.ts_ms = 1700000000000 + t++ * 1000;
      batch.push_back(e);
    }
  }
  IngestResult r;
  REQUIRE(rec.events().ingest(batch, &r).is_ok());
}

}  // namespace

TEST_CASE("a model that does not beat popularity on validation is registered but not activated", "[models]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  ingest_popular_untaught(*rec, 300);

  // No live model: popularity keeps serving, and the job says why.
  const TrainJob first = train(*rec);
  REQUIRE(first.metrics);
  INFO(first.decision);
  CHECK(first.metrics->popularity_valid.users == 300);
  CHECK(first.metrics->popularity_valid.ndcg10() > 0.3);
  CHECK(first.metrics->valid.ndcg10() < 0.1);
  CHECK(first.version == "v1");
  CHECK_FALSE(first.activated);
  CHECK(first.decision.find("does not beat popularity") != std::string::npos);
  CHECK(first.decision.find("the popularity fallback keeps serving") != std::string::npos);
  CHECK(rec->models().live_version().empty());
  RecommendRequest req;
  req.user = "s0";
  Recommendations out;
  REQUIRE(rec->recommender().recommend(req, &out).is_ok());
  CHECK(out.strategy == "popularity");
  CHECK(out.model_version.empty());
  std::vector<ModelRecord> records;
  REQUIRE(rec->models().list(&records).is_ok());
  CHECK(records.size() == 1);  // registered: it can still be activated by hand

  // Forced, it serves; the next one that does not beat popularity leaves it.
  const TrainJob forced = train(*rec, [](TrainOptions& o) { o.activate_always = true; });
  CHECK(forced.activated);
  CHECK(rec->models().live_version() == "v2");
  const TrainJob third = train(*rec, [](TrainOptions& o) { o.train.seed = 8; });
  INFO(third.decision);
  CHECK_FALSE(third.activated);
  CHECK(third.decision.find("live model v2 keeps serving") != std::string::npos);
  CHECK(rec->models().live_version() == "v2");
  REQUIRE(rec->recommender().recommend(req, &out).is_ok());
  CHECK(out.strategy == "sasrec");
  CHECK(out.model_version == "v2");
}

TEST_CASE("a recommendation right after an ingest reflects it, through the encoder cache", "[models]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  ingest_chains(*rec, 120);
  train(*rec);
  RecommendRequest req;
  req.user = "u5";
  req.k = 3;
  REQUIRE(recommended(*rec, req).front() == next_of(5));
  const ServiceStats before = rec->stats();
  REQUIRE(recommended(*rec, req).front() == next_of(5));  // the same answer, from the cache
  const ServiceStats after = rec->stats();
  CHECK(after.encoder_cache_hits == before.encoder_cache_hits + 1);
  CHECK(after.encoder_cache_misses == before.encoder_cache_misses);
  CHECK(after.encoder_cache_entries >= 1);

  // u5 jumps to i20: the chain now continues at i21. A stale cached vector
  // would still answer next_of(5) (i13), which u5 has not seen.
  IngestResult r;
  const std::vector<EventInput> jump{attnrec::testing::event("u5", "i20", 1700000100000)};
  REQUIRE(rec->events().ingest(jump, &r).is_ok());
  CHECK(recommended(*rec, req).front() == "i21");
  CHECK(rec->stats().encoder_cache_misses == after.encoder_cache_misses + 1);

  // A new model drops every cached vector.
  train(*rec, [](TrainOptions& o) {
    o.activate_always = true;
    o.train.seed = 8;
  });
  CHECK(rec->stats().encoder_cache_entries == 0);
  CHECK(recommended(*rec, req).front() == "i21");

  // An erased user's vector is gone with the user.
  REQUIRE(rec->events().erase_user("u5").is_ok());
  CHECK(rec->stats().encoder_cache_entries == 0);
}

TEST_CASE("with the encoder cache off every request runs the encoder and answers the same", "[models]") {
  TempDir dir;
  auto rec = open_at(dir.path(), [](Config& c) { c.encoder_cache_users = 0; });
  ingest_chains(*rec, 120);
  train(*rec);
  RecommendRequest req;
  req.user = "u5";
  req.k = 3;
  CHECK(recommended(*rec, req).front() == next_of(5));
  CHECK(recommended(*rec, req).front() == next_of(5));
  const ServiceStats s = rec->stats();
  CHECK(s.encoder_cache_hits == 0);
  CHECK(s.encoder_cache_entries == 0);
  CHECK(s.encoder_cache_capacity == 0);
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
  REQUIRE(rec->recommender().rank(rank, &ranked).is_ok());
  REQUIRE(ranked.items.size() == 4);
  CHECK(ranked.strategy == "sasrec");
  CHECK(ranked.items.front().item == "i7");
  CHECK(ranked.items.back().item == "new-item");
  CHECK(ranked.items.back().fallback);
  CHECK_FALSE(ranked.items.front().fallback);

  Recommendations similar;
  REQUIRE(rec->recommender().similar("i10", 5, &similar).is_ok());
  CHECK(similar.items.size() == 5);
  for (const auto& s : similar.items) CHECK(s.item != "i10");
  CHECK(rec->recommender().similar("never-seen", 5, &similar).code() == Status::Code::kNotFound);

  AttentionMap ex;
  REQUIRE(rec->recommender().explain("u0", "i8", &ex).is_ok());
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
  CHECK(rec->recommender().explain("nobody", "i1", &ex).code() == Status::Code::kNotFound);
  CHECK(rec->recommender().explain("u0", "nothing", &ex).code() == Status::Code::kNotFound);
}

TEST_CASE("versions are listed, rolled back, and survive a restart", "[models]") {
  TempDir dir;
  {
    auto rec = open_at(dir.path());
    ingest_chains(*rec, 120);
    train(*rec);
    const TrainJob second = train(*rec, [](TrainOptions& o) {
      o.activate_always = true;
      o.train.seed = 8;
    });
    CHECK(second.version == "v2");
    CHECK(rec->models().live_version() == "v2");

    std::vector<ModelRecord> models;
    REQUIRE(rec->models().list(&models).is_ok());
    REQUIRE(models.size() == 2);
    CHECK(models[0].version == "v1");
    CHECK(models[1].version == "v2");
    CHECK(models[1].source == "api");
    CHECK(models[1].valid_ndcg > 0.5);
    CHECK(models[1].report_json.find("\"best_epoch\"") != std::string::npos);

    REQUIRE(rec->models().activate("v1").is_ok());
    CHECK(rec->models().live_version() == "v1");
    CHECK(rec->models().activate("v9").code() == Status::Code::kNotFound);
  }
  auto rec = open_at(dir.path());
  CHECK(rec->models().live_version() == "v1");
}

TEST_CASE("a corrupt checkpoint is refused while the live model keeps serving", "[models]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  ingest_chains(*rec, 120);
  train(*rec);
  train(*rec, [](TrainOptions& o) { o.train.seed = 9; });
  REQUIRE(rec->models().activate("v1").is_ok());
  {
    // Flip a byte in the middle of v2's file.
    std::fstream f(dir.path() + "/models/v2.sasrec", std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(f);
    f.seekp(2000);
    f.put('\x5a');
  }
  Status s = rec->models().activate("v2");
  CHECK(s.code() == Status::Code::kConflict);
  CHECK(s.message().find("checksum") != std::string::npos);
  CHECK(rec->models().live_version() == "v1");
  RecommendRequest req;
  req.user = "u0";
  CHECK(recommended(*rec, req).front() == next_of(0));
}

TEST_CASE("bad training options are refused before a job exists", "[models]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  std::string id;
  auto start = [&](const std::function<void(TrainOptions&)>& tweak) {
    return rec->models().start_training(quick_options(*rec, tweak), &id).code();
  };
  CHECK(start([](TrainOptions& o) { o.train.epochs = 0; }) == Status::Code::kInvalidArgument);
  CHECK(start([](TrainOptions& o) { o.train.lr = 0; }) == Status::Code::kInvalidArgument);
  CHECK(start([](TrainOptions& o) {
          o.model.d = 30;
          o.model.heads = 4;
        }) == Status::Code::kInvalidArgument);
  TrainJob job;
  CHECK(rec->models().job("job-1", &job).code() == Status::Code::kNotFound);
}

TEST_CASE("a job on an empty store fails and a cancelled job writes nothing", "[models]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  std::string id;
  REQUIRE(rec->models().start_training(rec->models().default_options(), &id).is_ok());
  TrainJob failed = wait_for(*rec, id);
  CHECK(failed.state == JobState::kFailed);
  CHECK(failed.error.find("not enough data") != std::string::npos);

  ingest_chains(*rec, 120);
  REQUIRE(rec->models().start_training(quick_options(*rec, [](TrainOptions& o) { o.train.epochs = 100000; }), &id).is_ok());
  TrainJob job;
  do {
    REQUIRE(rec->models().job(id, &job).is_ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  } while (job.state == JobState::kQueued || job.batch == 0);
  REQUIRE(rec->models().cancel(id).is_ok());
  job = wait_for(*rec, id);
  CHECK(job.state == JobState::kCancelled);
  CHECK(job.version.empty());
  CHECK(rec->models().cancel(id).code() == Status::Code::kConflict);
  std::vector<ModelRecord> models;
  REQUIRE(rec->models().list(&models).is_ok());
  CHECK(models.empty());
  CHECK(rec->models().live_version().empty());
}

TEST_CASE("training jobs outlive a restart: one cut short shows failed and ids are not reused", "[models]") {
  TempDir dir;
  {
    // What a process killed while training job-7 leaves behind.
    attnrec::storage::Options options;
    options.path = dir.path() + "/store";
    std::unique_ptr<attnrec::storage::Store> store;
    REQUIRE(attnrec::storage::Store::open(options, &store).is_ok());
    TrainJob done;
    done.id = "job-6";
    done.state = JobState::kSucceeded;
    done.trigger = "api";
    done.created_ms = done.started_ms = 1700000000000;
    done.finished_ms = 1700000060000;
    done.version = "v2";
    done.activated = true;
    done.decision = "activation forced";
    TrainJob running = done;
    running.id = "job-7";
    running.state = JobState::kRunning;
    running.finished_ms = 0;
    running.version.clear();
    running.activated = false;
    running.decision.clear();
    running.epoch = 3;
    REQUIRE(JobJournal(*store).save({done, running}).is_ok());
  }
  std::string id;
  {
    auto rec = open_at(dir.path());
    TrainJob job;
    REQUIRE(rec->models().job("job-7", &job).is_ok());
    CHECK(job.state == JobState::kFailed);
    CHECK(job.error.find("interrupted") != std::string::npos);
    CHECK(job.epoch == 3);
    CHECK_FALSE(job.restored_options.empty());
    REQUIRE(rec->models().job("job-6", &job).is_ok());
    CHECK(job.state == JobState::kSucceeded);
    CHECK(job.version == "v2");
    CHECK(job.activated);

    ingest_chains(*rec, 120);
    REQUIRE(rec->models().start_training(quick_options(*rec, [](TrainOptions& o) { o.train.epochs = 100000; }), &id).is_ok());
    CHECK(id == "job-8");
    do {
      REQUIRE(rec->models().job(id, &job).is_ok());
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    } while (job.state == JobState::kQueued || job.batch == 0);
  }  // a clean stop cancels the running job
  auto rec = open_at(dir.path());
  TrainJob job;
  REQUIRE(rec->models().job(id, &job).is_ok());
  CHECK(job.state == JobState::kCancelled);
  REQUIRE(rec->models().job("job-7", &job).is_ok());
  CHECK(job.state == JobState::kFailed);
}

TEST_CASE("swapping models under concurrent requests fails none of them", "[models][concurrency]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  ingest_chains(*rec, 120);
  train(*rec);
  train(*rec, [](TrainOptions& o) {
    o.train.seed = 11;
    o.activate_always = true;
  });

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
        if (!rec->recommender().recommend(req, &out).is_ok() || out.strategy != "sasrec" || out.items.size() != 10) {
          ++failures;
        }
        ++answered;
      }
    });
  }
  for (int i = 0; i < 40; ++i) REQUIRE(rec->models().activate(i % 2 ? "v1" : "v2").is_ok());
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
  std::unique_ptr<Service> rec;
  REQUIRE(Service::open(config, &rec).is_ok());
  std::vector<EventInput> few(10);
  for (size_t i = 0; i < few.size(); ++i) {
    few[i].user = "early";
    few[i].item = item_id(int(i));
  }
  IngestResult r;
  REQUIRE(rec->events().ingest(few, &r).is_ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  TrainJob job;
  CHECK(rec->models().job("job-1", &job).code() == Status::Code::kNotFound);  // under the threshold

  ingest_chains(*rec, 120);  // well over 1,000 events: a job starts by itself
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (rec->models().live_version().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(rec->models().live_version() == "v1");
  job = wait_for(*rec, "job-1");
  CHECK(job.trigger == "schedule");
  CHECK(job.state == JobState::kSucceeded);
}

TEST_CASE("a full disk fails a training job cleanly: the live model serves, no file is left", "[models][faults]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  ingest_chains(*rec, 120);
  train(*rec);
  REQUIRE(rec->models().live_version() == "v1");
  auto files = [&] {
    std::vector<std::string> names;
    for (const auto& f : std::filesystem::directory_iterator(dir.path() + "/models")) {
      names.push_back(f.path().filename().string());
    }
    return names;
  };
  // `arm` makes `faulty_dir` full, at once or later in the job.
  auto fails_cleanly = [&](const std::function<void()>& arm, const std::string& faulty_dir,
                           const std::string& why) {
    arm();
    std::string id;
    Status started = rec->models().start_training(quick_options(*rec, [](TrainOptions& o) { o.train.epochs = 2; }), &id);
    TrainJob job;
    if (started.is_ok()) job = wait_for(*rec, id);
    attnrec::set_disk_fault(faulty_dir, 0);
    INFO(started.message() << job.error);
    if (started.is_ok()) {
      CHECK(job.state == JobState::kFailed);
      CHECK(job.error.find(why) != std::string::npos);
      CHECK(job.version.empty());
    } else {
      CHECK(started.code() == Status::Code::kUnavailable);
      CHECK(started.message().find(why) != std::string::npos);
    }
    CHECK(rec->models().live_version() == "v1");
    CHECK(files() == std::vector<std::string>{"v1.sasrec"});  // no v2, no .tmp
    RecommendRequest req;
    req.user = "u0";
    CHECK(recommended(*rec, req).front() == next_of(0));
  };
  // Only the checkpoint's directory is full: the checkpoint write fails.
  const std::string models_dir = dir.path() + "/models";
  fails_cleanly([&] { attnrec::set_disk_fault(models_dir, ENOSPC); }, models_dir, "No space left on device");
  // The whole disk is full: the store refuses the registry writes too.
  fails_cleanly([&] { attnrec::set_disk_fault(dir.path(), ENOSPC); }, dir.path(), "full");
  // The disk fills once the checkpoint is whole: its record fails, and the
  // checkpoint goes rather than stay an orphan.
  static std::string store_dir;
  store_dir = dir.path() + "/store";
  fails_cleanly(
      [] {
        attnrec::set_crash_hook([](std::string_view point, const std::string&) {
          if (point == "durable.dir_synced") attnrec::set_disk_fault(store_dir, ENOSPC);
        });
      },
      store_dir, "full");
  attnrec::set_crash_hook(nullptr);
  // Space is back: the next job succeeds without a restart.
  const TrainJob job = train(*rec, [](TrainOptions& o) {
    o.train.epochs = 2;
    o.activate_always = true;
  });
  CHECK(job.activated);
  CHECK(rec->models().live_version() == job.version);
}

TEST_CASE("a diverging job fails with a clear message and writes nothing", "[models]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  ingest_chains(*rec, 120);
  std::string id;
  REQUIRE(rec->models()
              .start_training(quick_options(*rec, [](TrainOptions& o) { o.train.lr = 1e30f; }), &id)
              .is_ok());
  const TrainJob job = wait_for(*rec, id);
  CHECK(job.state == JobState::kFailed);
  INFO(job.error);
  CHECK(job.error.find("diverged") != std::string::npos);
  CHECK(job.version.empty());
  std::vector<ModelRecord> models;
  REQUIRE(rec->models().list(&models).is_ok());
  CHECK(models.empty());
  CHECK(rec->models().live_version().empty());
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/models/v1.sasrec"));
}

TEST_CASE("a cluster node follows a version trained elsewhere and never trains itself", "[models][cluster]") {
  // The trainer's side: a version trained on the chains.
  TempDir trainer_dir;
  ModelRecord published;
  std::string checkpoint, other_checkpoint;
  {
    auto rec = open_at(trainer_dir.path());
    ingest_chains(*rec, 120);
    const TrainJob job = train(*rec);
    std::vector<ModelRecord> models;
    REQUIRE(rec->models().list(&models).is_ok());
    REQUIRE(models.size() == 1);
    published = models[0];
    REQUIRE(attnrec::read_file(trainer_dir.path() + "/models/" + job.version + ".sasrec", &checkpoint).is_ok());
    const TrainJob other = train(*rec, [](TrainOptions& o) { o.train.seed = 9; });
    REQUIRE(attnrec::read_file(trainer_dir.path() + "/models/" + other.version + ".sasrec", &other_checkpoint)
                .is_ok());
  }
  int record_reads = 0, checkpoint_reads = 0;
  const ModelLifecycle::FetchFn fetch = [&](std::string_view version, ModelRecord* r, std::string* bytes) {
    if (version != published.version) return Status::not_found("no such version");
    *r = published;
    if (bytes == nullptr) {
      ++record_reads;
    } else {
      ++checkpoint_reads;
      *bytes = checkpoint;
    }
    return Status::ok();
  };

  // A node whose directory served alone before and has its own v1 (another
  // model): the cluster's v1 replaces it, fetched.
  TempDir node_dir;
  Config config;
  config.data_dir = node_dir.path();
  attnrec::storage::Options so;
  so.path = node_dir.path() + "/store";
  std::unique_ptr<attnrec::storage::Store> store;
  REQUIRE(attnrec::storage::Store::open(so, &store).is_ok());
  {
    ModelRegistry own(*store, node_dir.path());
    ModelRecord mine = published;
    mine.created_ms = 1;
    REQUIRE(own.add_external(mine, other_checkpoint).is_ok());
  }
  {
    LiveModel live;
    ModelLifecycle models(*store, live, config, ModelRole::kFollower);
    REQUIRE(models.start().is_ok());
    Status s = models.follow(published.version, fetch);
    INFO(s.message());
    REQUIRE(s.is_ok());
    CHECK(checkpoint_reads == 1);
    REQUIRE(live.load() != nullptr);
    CHECK(live.load()->version == published.version);
    // The node has no event, yet every item of the model has a store id
    // and maps onto its row.
    const uint32_t id = store->find_item(item_id(5));
    REQUIRE(id != 0);
    CHECK(live.load()->model_index(id) == live.load()->net->index_of(item_id(5)));
    // Following what serves already fetches nothing.
    REQUIRE(models.follow(published.version, fetch).is_ok());
    CHECK(checkpoint_reads == 1);
    CHECK(models.follow("v7", fetch).code() == Status::Code::kNotFound);
    CHECK(live.load()->version == published.version);

    std::string job;
    CHECK(models.start_training(models.default_options(), &job).code() == Status::Code::kConflict);
    CHECK(models.activate(published.version).code() == Status::Code::kConflict);
  }
  // Restarted: it serves the version from its registry, and following it
  // again reads only the record.
  LiveModel live;
  ModelLifecycle models(*store, live, config, ModelRole::kFollower);
  REQUIRE(models.start().is_ok());
  REQUIRE(live.load() != nullptr);
  CHECK(live.load()->version == published.version);
  live.store(nullptr);  // as if it served popularity: follow loads it again
  REQUIRE(models.follow(published.version, fetch).is_ok());
  CHECK(checkpoint_reads == 1);
  CHECK(live.load()->version == published.version);
}
