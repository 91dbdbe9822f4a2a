#include "service/importer.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "service/service.h"
#include "temp_dir.h"

using namespace attnrec::service;
using attnrec::Status;
using attnrec::testing::TempDir;

namespace {

// Keeps what it is sent. Events whose item is `reject_item` make the whole
// call fail the way Recommender does ("events[i]: ..."), writing nothing.
class MemorySink final : public ImportSink {
 public:
  Status ingest(std::span<const EventInput> events, IngestResult* result) override {
    ++calls;
    for (size_t i = 0; i < events.size(); ++i) {
      if (!reject_item.empty() && events[i].item == reject_item) {
        return Status::invalid_argument("events[" + std::to_string(i) + "]: `item` is refused");
      }
    }
    this->events.insert(this->events.end(), events.begin(), events.end());
    result->accepted = events.size();
    result->duplicates = 0;
    return Status::ok();
  }
  Status put_items(std::vector<Item> items) override {
    this->items.insert(this->items.end(), items.begin(), items.end());
    return Status::ok();
  }

  std::vector<EventInput> events;
  std::vector<Item> items;
  std::string reject_item;
  size_t calls = 0;
};

std::string write_file(const std::string& dir, const std::string& name, const std::string& bytes) {
  const std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

ImportOptions options_for(ImportFormat format, std::vector<std::string> paths) {
  ImportOptions o;
  o.format = format;
  o.paths = std::move(paths);
  o.pairs_base_ms = 1'700'000'000'000;
  return o;
}

const Item* find_item(const std::vector<Item>& items, const std::string& id) {
  for (const auto& i : items) {
    if (i.id == id) return &i;
  }
  return nullptr;
}

// The benchmark data folder: ATTNREC_BENCH_DATA, else the build's default.
std::string shared_data() {
  const char* env = std::getenv("ATTNREC_BENCH_DATA");
  return env && *env ? env : ATTNREC_SHARED_DATA;
}

}  // namespace

TEST_CASE("latin-1 becomes UTF-8", "[importer]") {
  CHECK(latin1_to_utf8("Mis\xE9rables") == "Misérables");
  CHECK(latin1_to_utf8("plain") == "plain");
  CHECK(latin1_to_utf8("\xFF") == "\xC3\xBF");
}

TEST_CASE("CSV records follow RFC 4180", "[importer][csv]") {
  std::vector<std::string> f;
  REQUIRE(parse_csv_record("1,Toy Story (1995),Animation", &f) == CsvResult::kOk);
  CHECK(f == std::vector<std::string>{"1", "Toy Story (1995)", "Animation"});
  REQUIRE(parse_csv_record(R"x(11,"American President, The (1995)",Comedy)x", &f) == CsvResult::kOk);
  CHECK(f[1] == "American President, The (1995)");
  REQUIRE(parse_csv_record(R"x(5,"He said ""hi"", then left",)x", &f) == CsvResult::kOk);
  CHECK(f == std::vector<std::string>{"5", "He said \"hi\", then left", ""});
  REQUIRE(parse_csv_record(",,", &f) == CsvResult::kOk);
  CHECK(f.size() == 3);
  CHECK(parse_csv_record(R"x(1,"open field)x", &f) == CsvResult::kNeedMore);
  CHECK(parse_csv_record(R"x(1,"closed"junk,2)x", &f) == CsvResult::kError);
  CHECK(parse_csv_record(R"x(1,mid"quote,2)x", &f) == CsvResult::kError);
}

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
  CHECK(summary.to_json().at("skipped").as_uint64() == 2);
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

TEST_CASE("movielens .dat: latin-1 titles, genres as tags, movies before ratings", "[importer]") {
  TempDir dir;
  // ratings.dat comes first on the command line; movies must still load first.
  write_file(dir.path(), "ratings.dat", "1::2::5::978300760\n1::1::3::978302109\n");
  write_file(dir.path(), "movies.dat",
             "1::Toy Story (1995)::Animation|Children's|Comedy\n"
             "2::Mis\xE9rables, Les (1995)::Drama|Musical\n"
             "3::Blade Runner (1982)::Film-Noir|Sci-Fi\n");
  MemorySink sink;
  ImportSummary summary;
  const Status st = run_import(
      options_for(ImportFormat::kMovieLens, {dir.path() + "/ratings.dat", dir.path() + "/movies.dat"}),
      sink, &summary);
  INFO(st.message());
  REQUIRE(st.is_ok());
  REQUIRE(sink.items.size() == 3);
  const Item* les = find_item(sink.items, "2");
  REQUIRE(les);
  CHECK(les->title == "Misérables, Les (1995)");
  CHECK(les->attributes.at("year").as_int64() == 1995);
  CHECK(find_item(sink.items, "1")->tags == std::vector<std::string>{"animation", "children's", "comedy"});
  CHECK(find_item(sink.items, "3")->tags == std::vector<std::string>{"film-noir", "sci-fi"});
  REQUIRE(sink.events.size() == 2);
  CHECK(sink.events[0].user == "1");
  CHECK(sink.events[0].item == "2");
  CHECK(sink.events[0].type == "rating");
  CHECK(sink.events[0].weight == 5.0f);
  CHECK(*sink.events[0].ts_ms == 978'300'760'000);
  CHECK(summary.files == 2);
  CHECK(summary.warnings.empty());
}

TEST_CASE("movielens .csv: header, CRLF, quoted titles with commas", "[importer]") {
  TempDir dir;
  write_file(dir.path(), "movies.csv",
             "movieId,title,genres\r\n"
             "1,Toy Story (1995),Adventure|Animation|Children\r\n"
             "11,\"American President, The (1995)\",Comedy|Drama|Romance\r\n"
             "29,\"City of Lost Children, The (Cit\xC3\xA9 des enfants perdus, La) (1995)\",Fantasy\r\n"
             "99,\"Two\nLines (2001)\",(no genres listed)\r\n");
  write_file(dir.path(), "ratings.csv",
             "userId,movieId,rating,timestamp\r\n1,11,4.5,964982703\r\n2,29,0.5,964982931\r\n");
  MemorySink sink;
  ImportSummary summary;
  const Status st = run_import(options_for(ImportFormat::kMovieLens, {dir.path()}), sink, &summary);
  INFO(st.message());
  REQUIRE(st.is_ok());
  REQUIRE(sink.items.size() == 4);
  CHECK(find_item(sink.items, "11")->title == "American President, The (1995)");
  CHECK(find_item(sink.items, "11")->tags == std::vector<std::string>{"comedy", "drama", "romance"});
  CHECK(find_item(sink.items, "29")->title ==
        "City of Lost Children, The (Cité des enfants perdus, La) (1995)");
  CHECK(find_item(sink.items, "99")->title == "Two\nLines (2001)");
  CHECK(find_item(sink.items, "99")->tags.empty());
  CHECK(find_item(sink.items, "99")->attributes.at("year").as_int64() == 2001);
  REQUIRE(sink.events.size() == 2);
  CHECK(sink.events[0].weight == 4.5f);
  CHECK(sink.events[1].weight == 0.5f);
  CHECK(*sink.events[1].ts_ms == 964'982'931'000);
}

TEST_CASE("movielens ml-100k: u.item flags with u.genre, u.data tabs", "[importer]") {
  TempDir dir;
  write_file(dir.path(), "u.genre", "unknown|0\nAction|1\nSci-Fi|2\n\n");
  write_file(dir.path(), "u.item",
             "1|Toy Story (1995)|01-Jan-1995||http://x|0|1|0\n"
             "2|Mis\xE9rables (1995)|01-Jan-1995||http://y|0|1|1\n"
             "3|Untitled|01-Jan-1997||http://z|1|0|0\n");
  write_file(dir.path(), "u.data", "196\t1\t3\t881250949\n186\t2\t1\t891717742\n");
  MemorySink sink;
  ImportSummary summary;
  const Status st = run_import(options_for(ImportFormat::kMovieLens, {dir.path()}), sink, &summary);
  INFO(st.message());
  REQUIRE(st.is_ok());
  REQUIRE(sink.items.size() == 3);
  CHECK(find_item(sink.items, "2")->title == "Misérables (1995)");
  CHECK(find_item(sink.items, "2")->tags == std::vector<std::string>{"action", "sci-fi"});
  CHECK(find_item(sink.items, "3")->tags.empty());  // "unknown" is no genre
  CHECK(find_item(sink.items, "3")->attributes.at("year").as_int64() == 1997);
  REQUIRE(sink.events.size() == 2);
  CHECK(sink.events[1].user == "186");
  CHECK(sink.events[1].weight == 1.0f);
}

TEST_CASE("movielens: movies without ratings warn, nothing found is an error", "[importer]") {
  TempDir dir;
  write_file(dir.path(), "movies.dat", "1::Heat (1995)::Action\n");
  MemorySink sink;
  ImportSummary summary;
  REQUIRE(run_import(options_for(ImportFormat::kMovieLens, {dir.path()}), sink, &summary).is_ok());
  CHECK(sink.items.size() == 1);
  REQUIRE(summary.warnings.size() == 1);
  CHECK(summary.warnings[0].find("ratings not found") != std::string::npos);

  TempDir empty;
  const Status st = run_import(options_for(ImportFormat::kMovieLens, {empty.path()}), sink, &summary);
  CHECK(st.code() == Status::Code::kNotFound);
  CHECK(check_import_inputs(options_for(ImportFormat::kMovieLens, {empty.path()})).code() ==
        Status::Code::kNotFound);
  CHECK(check_import_inputs(options_for(ImportFormat::kPairs, {empty.path() + "/nope"})).code() ==
        Status::Code::kNotFound);
  CHECK(check_import_inputs(options_for(ImportFormat::kMovieLens, {dir.path()})).is_ok());
}

TEST_CASE("movielens: a bad rating names its file and line", "[importer]") {
  TempDir dir;
  write_file(dir.path(), "movies.dat", "1::Heat (1995)::Action\n");
  const auto ratings = write_file(dir.path(), "ratings.dat", "1::1::5::978300760\n1::1::five::978300761\n");
  MemorySink sink;
  ImportSummary summary;
  const Status st = run_import(options_for(ImportFormat::kMovieLens, {dir.path()}), sink, &summary);
  REQUIRE_FALSE(st.is_ok());
  CHECK(st.message().rfind(ratings + ":2: rating", 0) == 0);
  CHECK(sink.items.size() == 1);  // the movies file was complete
  CHECK(sink.events.empty());
}

TEST_CASE("import into a real store: atomic batches, duplicates, catalog", "[importer][store]") {
  TempDir data;
  TempDir store;
  Config config;
  config.data_dir = store.path();
  config.sync_writes = false;
  std::unique_ptr<Service> rec;
  REQUIRE(Service::open(config, &rec).is_ok());
  RecommenderSink sink(*rec);

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
  RecommenderSink sink(*rec);
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

TEST_CASE("MovieLens releases in the shared data import with their counts", "[importer][data]") {
  struct Release {
    std::string dir;
    size_t movies, ratings;
  };
  for (const Release& r : {Release{"ml-latest-small", 9'742, 100'836}, Release{"ml-100k", 1'682, 100'000},
                           Release{"ml-1m-raw", 3'883, 0}}) {
    const std::string dir = shared_data() + "/" + r.dir;
    if (!std::filesystem::exists(dir)) {
      WARN("skipped: " << dir << " is absent");
      continue;
    }
    MemorySink sink;
    ImportSummary summary;
    const Status st = run_import(options_for(ImportFormat::kMovieLens, {dir}), sink, &summary);
    INFO(r.dir << ": " << st.message());
    REQUIRE(st.is_ok());
    CHECK(sink.items.size() == r.movies);
    CHECK(sink.events.size() == r.ratings);
    CHECK(summary.warnings.size() == (r.ratings == 0 ? 1u : 0u));
    for (const auto& item : sink.items) {
      if (item.title.find("Mis") == 0 && item.title.find("rables") != std::string::npos) {
        CHECK(item.title.find("Misérables") == 0);
      }
    }
  }
}
