#include "model/topk.h"

#include <catch2/catch.hpp>

using namespace attnrec::model;

TEST_CASE("top_k returns the best items in order, skipping padding and exclusions", "[topk]") {
  // index:                0     1     2     3      4     5     6
  const std::vector<float> s = {100.f, 0.5f, 2.0f, -INFINITY, 2.0f, -1.0f, 3.0f};
  const auto top = top_k(s, 3);
  REQUIRE(top.size() == 3);
  CHECK(top[0].item == 6);
  CHECK(top[1].item == 2);  // tie with 4: smaller index first
  CHECK(top[2].item == 4);
  CHECK(top_k(s, 0).empty());
  CHECK(top_k(s, 100).size() == 5);  // items 1, 2, 4, 5, 6
}
