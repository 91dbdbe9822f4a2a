// Tests of service/events.* through the Service.
#include <catch2/catch.hpp>

#include "service/service.h"
#include "service/service_fixture.h"
#include "temp_dir.h"

using namespace attnrec::service;
using namespace attnrec::testing;
using attnrec::Status;

TEST_CASE("ingested events come back as history, newest last, after a restart", "[events]") {
  TempDir dir;
  {
    auto rec = open_at(dir.path());
    std::vector<EventInput> batch = {event("alice", "m2", 2000), event("alice", "m1", 1000),
                                     event("bob", "m1", 1500)};
    IngestResult r;
    REQUIRE(rec->events().ingest(batch, &r).is_ok());
    CHECK(r.accepted == 3);
    CHECK(history_items(*rec, "alice") == std::vector<std::string>{"m1", "m2"});
  }
  auto rec = open_at(dir.path());
  CHECK(history_items(*rec, "alice") == std::vector<std::string>{"m1", "m2"});
  CHECK(history_items(*rec, "bob") == std::vector<std::string>{"m1"});
  std::vector<HistoryEvent> none;
  CHECK(rec->events().history("carol", 10, &none).code() == Status::Code::kNotFound);
  const ServiceStats s = rec->stats();
  CHECK(s.events == 3);
  CHECK(s.users == 2);
  CHECK(s.items == 2);
}

TEST_CASE("a batch with one bad event is rejected whole, naming its index", "[events]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  std::vector<EventInput> batch = {event("alice", "m1"), event("alice", ""), event("bob", "m2")};
  IngestResult r;
  Status s = rec->events().ingest(batch, &r);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("events[1]") != std::string::npos);
  CHECK(rec->stats().events == 0);
  std::vector<HistoryEvent> h;
  CHECK(rec->events().history("alice", 10, &h).code() == Status::Code::kNotFound);
}

TEST_CASE("batches over the limit are refused as too large", "[events]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  std::vector<EventInput> batch(rec->config().max_batch_events + 1, event("u", "i"));
  IngestResult r;
  CHECK(rec->events().ingest(batch, &r).code() == Status::Code::kTooLarge);
  CHECK(rec->stats().events == 0);
}

TEST_CASE("a repeated idempotency key is accepted once", "[events]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  IngestResult r;
  std::vector<EventInput> first = {event("alice", "m1", 1000, "k1")};
  REQUIRE(rec->events().ingest(first, &r).is_ok());
  CHECK(r.accepted == 1);
  std::vector<EventInput> again = {event("alice", "m1", 1000, "k1"), event("alice", "m2", 2000, "k2")};
  REQUIRE(rec->events().ingest(again, &r).is_ok());
  CHECK(r.accepted == 1);
  CHECK(r.duplicates == 1);
  CHECK(history_items(*rec, "alice") == std::vector<std::string>{"m1", "m2"});
}

TEST_CASE("erasing a user removes their history and their weight in popularity", "[events]") {
  TempDir dir;
  auto rec = open_at(dir.path());
  IngestResult r;
  std::vector<EventInput> batch = {event("alice", "m1"), event("alice", "m1"), event("alice", "m1"),
                                   event("bob", "m2")};
  REQUIRE(rec->events().ingest(batch, &r).is_ok());
  RecommendRequest req;
  req.k = 2;
  CHECK(recommended(*rec, req) == std::vector<std::string>{"m1", "m2"});
  REQUIRE(rec->events().erase_user("alice").is_ok());
  std::vector<HistoryEvent> h;
  CHECK(rec->events().history("alice", 10, &h).code() == Status::Code::kNotFound);
  CHECK(rec->events().erase_user("alice").code() == Status::Code::kNotFound);
  CHECK(recommended(*rec, req) == std::vector<std::string>{"m2"});
}

TEST_CASE("erasing a user takes all their events out of popularity, beyond the history cap", "[events]") {
  TempDir dir;
  Config config;
  config.data_dir = dir.path();
  config.popularity_refresh_ms = 0;
  config.history_cap = 4;
  std::unique_ptr<Service> svc;
  REQUIRE(Service::open(config, &svc).is_ok());
  std::vector<EventInput> batch;
  for (int i = 0; i < 12; ++i) batch.push_back(event("heavy", "m1", 1700000000000 + i * 1000));
  batch.push_back(event("light", "m2"));
  batch.push_back(event("light", "m2"));
  IngestResult r;
  REQUIRE(svc->events().ingest(batch, &r).is_ok());
  RecommendRequest req;
  req.k = 5;
  REQUIRE(recommended(*svc, req) == std::vector<std::string>{"m1", "m2"});
  REQUIRE(svc->events().erase_user("heavy").is_ok());
  // Only the newest 4 of heavy's 12 events were in its history; popularity
  // forgets all 12, so m1 is gone from the fallback ranking.
  CHECK(recommended(*svc, req) == std::vector<std::string>{"m2"});
  // And after a restart, which rebuilds popularity from the log.
  svc.reset();
  REQUIRE(Service::open(config, &svc).is_ok());
  CHECK(recommended(*svc, req) == std::vector<std::string>{"m2"});
}
