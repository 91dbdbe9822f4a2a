#include "service/import/jsonl.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "import_test_helpers.h"
#include "service/import/importer.h"
#include "temp_dir.h"

using namespace attnrec::service;
using attnrec::Status;
using namespace attnrec::testing;

TEST_CASE("jsonl: events have \"user\", items have \"id\"", "[importer]") {
  TempDir dir;
  const auto path = write_file(
      dir.path(), "mixed.jsonl",
      "{\"id\":\"m1\",\"title\":\"Heat\",\"tags\":[\"crime\"],\"attributes\":{\"year\":1995}}\n"
      "\n"
      "{\"user\":\"u1\",\"item\":\"m1\",\"type\":\"rating\",\"weight\":4,\"ts\":1700000000}\r\n"
      "{\"user\":\"u1\",\"item\":\"m2\",\"ts\":\"2024-05-01T12:00:00Z\",\"id\":\"e2\"}\n");
  MemorySink sink;
  ImportSummary summary;
  const Status st = run_import(options_for(ImportFormat::kJsonl, {path}), sink, &summary);
  INFO(st.message());
  REQUIRE(st.is_ok());
  REQUIRE(sink.items.size() == 1);
  CHECK(sink.items[0].title == "Heat");
  CHECK(sink.items[0].tags == std::vector<std::string>{"crime"});
  REQUIRE(sink.events.size() == 2);
  CHECK(sink.events[0].type == "rating");
  CHECK(sink.events[0].weight == 4.0f);
  CHECK(*sink.events[0].ts_ms == 1'700'000'000'000);
  CHECK(*sink.events[1].ts_ms == 1'714'564'800'000);
  CHECK(sink.events[1].id == "e2");
  CHECK(summary.items == 1);
  CHECK(summary.events_accepted == 2);
}

TEST_CASE("jsonl: lines that are neither, or not JSON, are bad lines", "[importer]") {
  TempDir dir;
  const auto path = write_file(dir.path(), "bad.jsonl",
                               "{\"user\":\"u1\",\"item\":\"m1\"}\n"
                               "{\"title\":\"no id\"}\n"
                               "[1,2]\n"
                               "{\"user\":\"u1\",\n"
                               "{\"user\":\"u1\",\"item\":\"m1\",\"type\":\"Not Valid\"}\n"
                               "{\"user\":\"u1\",\"item\":\"m1\",\"colour\":\"red\"}\n"
                               "{\"id\":\"\"}\n");
  MemorySink sink;
  ImportSummary summary;
  const Status st = run_import(options_for(ImportFormat::kJsonl, {path}), sink, &summary);
  REQUIRE_FALSE(st.is_ok());
  CHECK(st.message().rfind(path + ":2: neither", 0) == 0);
  CHECK(sink.events.empty());

  auto options = options_for(ImportFormat::kJsonl, {path});
  options.skip_bad = true;
  MemorySink sink2;
  REQUIRE(run_import(options, sink2, &summary).is_ok());
  CHECK(sink2.events.size() == 1);
  CHECK(summary.skipped == 6);
  REQUIRE(summary.bad_lines.size() == 6);
  for (size_t i = 0; i < 6; ++i) {
    CHECK(summary.bad_lines[i].rfind(path + ":" + std::to_string(i + 2) + ": ", 0) == 0);
  }
}
