#include "service/import/fields.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>


using namespace attnrec::service::importing;

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
