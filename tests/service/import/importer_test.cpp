#include "service/import/importer.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "import_test_helpers.h"
#include "temp_dir.h"

using namespace attnrec::service;
using attnrec::Status;
using namespace attnrec::testing;

TEST_CASE("a bad line stops with FILE:LINE and sends nothing of its batch", "[importer]") {
  TempDir dir;
  const auto path = write_file(dir.path(), "seq.txt", "1 10\n1 11\n1 12\n1 13 extra\n1 14\n");
  auto options = options_for(ImportFormat::kPairs, {path});
  options.batch = 2;
  MemorySink sink;
  ImportSummary summary;
  const Status st = run_import(options, sink, &summary);
  REQUIRE_FALSE(st.is_ok());
  CHECK(st.code() == Status::Code::kInvalidArgument);
  CHECK(st.message().rfind(path + ":4: ", 0) == 0);
  CHECK(st.message().find("two columns") != std::string::npos);
  CHECK(summary.stopped_at_bad_line);
  // Lines 1-2 made a full batch and were sent; line 3 waited with line 4.
  REQUIRE(sink.events.size() == 2);
  CHECK(sink.events[1].item == "11");
  CHECK(summary.events_accepted == 2);
}

TEST_CASE("skip_bad counts, reports and skips bad lines", "[importer]") {
  TempDir dir;
  const auto path = write_file(dir.path(), "seq.txt", "1 10\nonly\n1 12\na b c\n1 14\n");
  auto options = options_for(ImportFormat::kPairs, {path});
  options.skip_bad = true;
  options.max_reported_bad = 1;
  MemorySink sink;
  ImportSummary summary;
  REQUIRE(run_import(options, sink, &summary).is_ok());
  CHECK(sink.events.size() == 3);
  CHECK(summary.skipped == 2);
  REQUIRE(summary.bad_lines.size() == 1);
  CHECK(summary.bad_lines[0].rfind(path + ":2: ", 0) == 0);
  CHECK(summary.events_accepted == 3);
  CHECK_FALSE(summary.stopped_at_bad_line);
}

TEST_CASE("a batch the sink refuses is traced to its line", "[importer]") {
  TempDir dir;
  const auto path = write_file(dir.path(), "seq.txt", "1 10\n1 11\n1 BAD\n1 13\n1 14\n");
  MemorySink sink;
  sink.reject_item = "BAD";
  ImportSummary summary;

  SECTION("stop at it") {
    const Status st = run_import(options_for(ImportFormat::kPairs, {path}), sink, &summary);
    REQUIRE_FALSE(st.is_ok());
    CHECK(st.message().rfind(path + ":3: ", 0) == 0);
    CHECK(sink.events.empty());
  }
  SECTION("or skip only it") {
    auto options = options_for(ImportFormat::kPairs, {path});
    options.skip_bad = true;
    REQUIRE(run_import(options, sink, &summary).is_ok());
    CHECK(sink.events.size() == 4);
    CHECK(summary.skipped == 1);
    REQUIRE(summary.bad_lines.size() == 1);
    CHECK(summary.bad_lines[0].rfind(path + ":3: ", 0) == 0);
  }
}
