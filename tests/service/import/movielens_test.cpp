#include "service/import/movielens.h"

#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "import_test_helpers.h"
#include "service/import/importer.h"
#include "temp_dir.h"

using namespace attnrec::service;
using attnrec::Status;
using namespace attnrec::service::importing;
using namespace attnrec::testing;

TEST_CASE("latin-1 becomes UTF-8", "[importer]") {
  CHECK(latin1_to_utf8("Mis\xE9rables") == "Misérables");
  CHECK(latin1_to_utf8("plain") == "plain");
  CHECK(latin1_to_utf8("\xFF") == "\xC3\xBF");
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
