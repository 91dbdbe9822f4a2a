#include "service/import/service_sink.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "import_test_helpers.h"
#include "service/import/importer.h"
#include "service/service.h"
#include "temp_dir.h"

using namespace attnrec::service;
using attnrec::Status;
using namespace attnrec::testing;

TEST_CASE("import into a real store: atomic batches, duplicates, catalog", "[importer][store]") {
  TempDir data;
  TempDir store;
  Config config;
  config.data_dir = store.path();
  config.sync_writes = false;
  std::unique_ptr<Service> rec;
  REQUIRE(Service::open(config, &rec).is_ok());
  ServiceSink sink(*rec);

  const auto good = write_file(data.path(), "good.jsonl",
                               "{\"id\":\"m1\",\"title\":\"Mis\xC3\xA9rables\",\"tags\":[\"drama\"]}\n"
                               "{\"user\":\"u1\",\"item\":\"m1\",\"ts\":1700000000,\"id\":\"k1\"}\n"
                               "{\"user\":\"u1\",\"item\":\"m2\",\"ts\":1700000001,\"id\":\"k2\"}\n");
  ImportSummary summary;
  REQUIRE(run_import(options_for(ImportFormat::kJsonl, {good}), sink, &summary).is_ok());
  CHECK(summary.events_accepted == 2);
  Item item;
  REQUIRE(rec->catalog().get("m1", &item).is_ok());
  CHECK(item.title == "Misérables");

  // Again: the idempotency keys make every event a duplicate.
  REQUIRE(run_import(options_for(ImportFormat::kJsonl, {good}), sink, &summary).is_ok());
  CHECK(summary.events_accepted == 0);
  CHECK(summary.duplicates == 2);

  const auto bad = write_file(data.path(), "bad.jsonl",
                              "{\"user\":\"u2\",\"item\":\"m1\",\"ts\":1700000002}\n"
                              "{\"user\":\"u2\",\"item\":\"m2\",\"ts\":1700000003}\n"
                              "{\"user\":\"u2\",\"item\":\"\"}\n");
  const Status st = run_import(options_for(ImportFormat::kJsonl, {bad}), sink, &summary);
  REQUIRE_FALSE(st.is_ok());
  CHECK(st.message().rfind(bad + ":3: ", 0) == 0);
  std::vector<HistoryEvent> history;
  CHECK(rec->events().history("u2", 10, &history).code() == Status::Code::kNotFound);
  CHECK(rec->stats().events == 2);
}

TEST_CASE("ml-1m.txt imports completely with the published counts", "[importer][data]") {
  const std::string path = shared_data() + "/ml-1m.txt";
  if (!std::filesystem::exists(path)) {
    WARN("skipped: " << path << " is absent");
    return;
  }
  TempDir store;
  Config config;
  config.data_dir = store.path();
  std::unique_ptr<Service> rec;
  REQUIRE(Service::open(config, &rec).is_ok());
  ServiceSink sink(*rec);
  ImportSummary summary;
  auto options = options_for(ImportFormat::kPairs, {path});
  uint64_t progress_calls = 0;
  options.on_progress = [&](const ImportProgress& p) {
    ++progress_calls;
    CHECK(p.bytes_done <= p.bytes_total);
  };
  const Status st = run_import(options, sink, &summary);
  INFO(st.message());
  REQUIRE(st.is_ok());
  CHECK(summary.lines == 999'611);
  CHECK(summary.events_accepted == 999'611);
  CHECK(summary.skipped == 0);
  CHECK(progress_calls > 100);
  const ServiceStats stats = rec->stats();
  CHECK(stats.events == 999'611);
  CHECK(stats.users == 6'040);
  CHECK(stats.items == 3'416);
  // SASRec's user 1 starts with item 1 (the file's first line is "1 1").
  std::vector<HistoryEvent> history;
  REQUIRE(rec->events().history("1", 1000, &history).is_ok());
  REQUIRE(!history.empty());
  for (size_t i = 1; i < history.size(); ++i) CHECK(history[i - 1].ts_ms < history[i].ts_ms);
}
