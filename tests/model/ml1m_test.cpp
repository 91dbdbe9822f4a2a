// Reads the real ML-1M file when it is present (skips cleanly otherwise).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "model/dataset.h"

using namespace attnrec::model;

TEST_CASE("ML-1M (shared data) reads with the documented counts", "[dataset][data]") {
  const char* env = std::getenv("ATTNREC_BENCH_DATA");
  const std::string path = std::string(env ? env : ATTNREC_SHARED_DATA) + "/ml-1m.txt";
  if (!std::filesystem::exists(path)) {
    WARN("skipped: " << path << " not found");
    return;
  }
  auto r = read_pairs(path);
  REQUIRE(r.ok());
  CHECK(r.value().user_ids.size() == 6040);
  CHECK(r.value().num_items() == 3416);
  CHECK(r.value().num_interactions() == 999611);
  CHECK(r.value().item_ids.front() == "1");
  CHECK(r.value().item_ids.back() == "3416");
  CHECK(eval_cases(r.value(), Split::kTest).size() == 6040);
}
