#include "service/import/pairs.h"

#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "import_test_helpers.h"
#include "service/import/importer.h"
#include "temp_dir.h"

using namespace attnrec::service;
using namespace attnrec::testing;

TEST_CASE("pairs: two string columns, one view per line, 1 ms apart in file order", "[importer]") {
  TempDir dir;
  const auto path = write_file(dir.path(), "seq.txt", "1 10\n007 x\n\n1\t11\n");
  MemorySink sink;
  ImportSummary summary;
  REQUIRE(run_import(options_for(ImportFormat::kPairs, {path}), sink, &summary).is_ok());
  REQUIRE(sink.events.size() == 3);
  CHECK(sink.events[1].user == "007");
  CHECK(sink.events[1].item == "x");
  CHECK(sink.events[2].item == "11");
  for (size_t i = 0; i < 3; ++i) {
    CHECK(sink.events[i].type == "view");
    CHECK(*sink.events[i].ts_ms == 1'700'000'000'000 + static_cast<int64_t>(i));
  }
  CHECK(summary.lines == 4);
  CHECK(summary.events_accepted == 3);
  CHECK(summary.files == 1);
}

TEST_CASE("pairs without a base time end before now", "[importer]") {
  TempDir dir;
  const auto path = write_file(dir.path(), "seq.txt", "1 10\n1 11\n");
  auto options = options_for(ImportFormat::kPairs, {path});
  options.pairs_base_ms.reset();
  MemorySink sink;
  ImportSummary summary;
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  REQUIRE(run_import(options, sink, &summary).is_ok());
  REQUIRE(sink.events.size() == 2);
  CHECK(*sink.events[0].ts_ms < *sink.events[1].ts_ms);
  CHECK(*sink.events[1].ts_ms <= now);
  CHECK(*sink.events[0].ts_ms > now - 60'000);
}
