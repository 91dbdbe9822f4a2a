#include "service/recommender.h"

#include <catch2/catch.hpp>

#include "recommend_helpers.h"
#include "temp_dir.h"

using namespace attnrec::service;
using attnrec::testing::recommended;
using attnrec::testing::TempDir;

namespace {

std::unique_ptr<Recommender> open_at(const std::string& dir) {
  Config config;
  config.data_dir = dir;
  config.popularity_refresh_ms = 0;  // tests read their own writes
  std::unique_ptr<Recommender> rec;
  Status s = Recommender::open(config, &rec);
  INFO(s.message());
  REQUIRE(s.is_ok());
  return rec;
}

EventInput event(std::string user, std::string item, int64_t ts_ms = 1700000000000, std::string id = "") {
  EventInput e;
  e.user = std::move(user);
  e.item = std::move(item);
  e.ts_ms = ts_ms;
  e.id = std::move(id);
  return e;
}

std::vector<std::string> history_items(const Recommender& rec, const std::string& user) {
  std::vector<HistoryEvent> h;
  REQUIRE(rec.history(user, 100, &h).is_ok());
  std::vector<std::string> out;
  for (const auto& e : h) out.push_back(e.item);
  return out;
}


}  // namespace

TEST_CASE("ingested events come back as history, newest last, after a restart", "[recommender]") {
  TempDir dir;
  {
    auto rec = open_at(dir.path());
    std::vector<EventInput> batch = {event("alice", "m2", 2000), event("alice", "m1", 1000),
                                     event("bob", "m1", 1500)};
    IngestResult r;
    REQUIRE(rec->ingest(batch, &r).is_ok());
    CHECK(r.accepted == 3);
    CHECK(history_items(*rec, "alice") == std::vector<std::string>{"m1", "m2"});
  }
  auto rec = open_at(dir.path());
  CHECK(history_items(*rec, "alice") == std::vector<std::string>{"m1", "m2"});
  CHECK(history_items(*rec, "bob") == std::vector<std::string>{"m1"});
  std::vector<HistoryEvent> none;
  CHECK(rec->history("carol", 10, &none).code() == Status::Code::kNotFound);
  const ServiceStats s = rec->stats();
  CHECK(s.events == 3);
  CHECK(s.users == 2);
  CHECK(s.items == 2);
}

TEST_CASE("a batch with one bad event is rejected whole, naming its index", "[recommender]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  std::vector<EventInput> batch = {event("alice", "m1"), event("alice", ""), event("bob", "m2")};
  IngestResult r;
  Status s = rec->ingest(batch, &r);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("events[1]") != std::string::npos);
  CHECK(rec->stats().events == 0);
  std::vector<HistoryEvent> h;
  CHECK(rec->history("alice", 10, &h).code() == Status::Code::kNotFound);
}

TEST_CASE("batches over the limit are refused as too large", "[recommender]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  std::vector<EventInput> batch(rec->config().max_batch_events + 1, event("u", "i"));
  IngestResult r;
  CHECK(rec->ingest(batch, &r).code() == Status::Code::kTooLarge);
  CHECK(rec->stats().events == 0);
}

TEST_CASE("a repeated idempotency key is accepted once", "[recommender]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  IngestResult r;
  std::vector<EventInput> first = {event("alice", "m1", 1000, "k1")};
  REQUIRE(rec->ingest(first, &r).is_ok());
  CHECK(r.accepted == 1);
  std::vector<EventInput> again = {event("alice", "m1", 1000, "k1"), event("alice", "m2", 2000, "k2")};
  REQUIRE(rec->ingest(again, &r).is_ok());
  CHECK(r.accepted == 1);
  CHECK(r.duplicates == 1);
  CHECK(history_items(*rec, "alice") == std::vector<std::string>{"m1", "m2"});
}

TEST_CASE("erasing a user removes their history and their weight in popularity", "[recommender]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  IngestResult r;
  std::vector<EventInput> batch = {event("alice", "m1"), event("alice", "m1"), event("alice", "m1"),
                                   event("bob", "m2")};
  REQUIRE(rec->ingest(batch, &r).is_ok());
  RecommendRequest req;
  req.k = 2;
  CHECK(recommended(*rec, req) == std::vector<std::string>{"m1", "m2"});
  REQUIRE(rec->erase_user("alice").is_ok());
  std::vector<HistoryEvent> h;
  CHECK(rec->history("alice", 10, &h).code() == Status::Code::kNotFound);
  CHECK(rec->erase_user("alice").code() == Status::Code::kNotFound);
  CHECK(recommended(*rec, req) == std::vector<std::string>{"m2"});
}

TEST_CASE("catalog upsert, get, delete and persistence", "[recommender]") {
  TempDir dir;
  {
    auto rec = open_at(dir.path());
    Item item;
    item.id = "m1";
    item.title = "Star Voyage";
    item.tags = {"sci-fi"};
    REQUIRE(rec->put_item(item).is_ok());
    Item got;
    REQUIRE(rec->get_item("m1", &got).is_ok());
    CHECK(got.title == "Star Voyage");
    CHECK(got.updated_ms > 0);
    Item bad;
    bad.id = "";
    std::vector<Item> items = {item, bad};
    Status s = rec->put_items(items);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK(s.message().find("items[1]") != std::string::npos);
    CHECK(rec->get_item("nope", &got).code() == Status::Code::kNotFound);
  }
  auto rec = open_at(dir.path());
  Item got;
  REQUIRE(rec->get_item("m1", &got).is_ok());
  CHECK(got.tags == std::vector<std::string>{"sci-fi"});
  REQUIRE(rec->delete_item("m1").is_ok());
  CHECK(rec->get_item("m1", &got).code() == Status::Code::kNotFound);
  CHECK(rec->delete_item("m1").code() == Status::Code::kNotFound);
}

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
  REQUIRE(rec->ingest(batch, &r).is_ok());
  Item m3;
  m3.id = "m3";
  m3.tags = {"comedy"};
  Item m4;
  m4.id = "m4";
  m4.tags = {"comedy", "drama"};
  REQUIRE(rec->put_items({m3, m4}).is_ok());

  RecommendRequest req;
  req.k = 10;
  Recommendations out;
  REQUIRE(rec->recommend(req, &out).is_ok());
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

  REQUIRE(rec->delete_item("m3").is_ok());
  RecommendRequest all;
  CHECK(recommended(*rec, all) == std::vector<std::string>{"m1", "m2", "m4"});

  RecommendRequest bad;
  bad.k = 0;
  CHECK(rec->recommend(bad, &out).code() == Status::Code::kInvalidArgument);
}
