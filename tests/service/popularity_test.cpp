#include "service/popularity.h"

#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

using attnrec::service::Popularity;

namespace {
constexpr int64_t kDay = 86400000;

std::vector<uint32_t> ranked(const Popularity& p, int64_t now) {
  std::vector<uint32_t> out;
  p.for_each_ranked(now, [&](uint32_t item, double) {
    out.push_back(item);
    return true;
  });
  return out;
}
}  // namespace

TEST_CASE("popularity decays with a half-life", "[popularity]") {
  const int64_t t0 = 1700000000000;
  Popularity p(/*half_life_days=*/7, t0, /*refresh_ms=*/0);
  p.add(1, t0, 1.0f);
  CHECK(p.score(1, t0) == Approx(1.0));
  CHECK(p.score(1, t0 + 7 * kDay) == Approx(0.5));
  CHECK(p.score(1, t0 + 14 * kDay) == Approx(0.25));
  CHECK(p.score(2, t0) == 0.0);
}

TEST_CASE("recent events outweigh older, more numerous ones", "[popularity]") {
  const int64_t t0 = 1700000000000;
  Popularity p(7, t0, 0);
  for (int i = 0; i < 3; ++i) p.add(1, t0 - 28 * kDay, 1.0f);  // 3 events a month ago
  p.add(2, t0, 1.0f);                                             // 1 event now
  p.add(3, t0 - 1 * kDay, 1.0f);
  CHECK(ranked(p, t0) == std::vector<uint32_t>{2, 3, 1});
  // Removing contributions (user erasure) takes the item out.
  p.add(2, t0, 1.0f, -1);
  CHECK(ranked(p, t0) == std::vector<uint32_t>{3, 1});
}

TEST_CASE("far-future timestamps do not overflow", "[popularity]") {
  Popularity p(7, 0, 0);
  p.add(1, 253402300799999, 1.0f);
  p.add(2, 0, 1.0f);
  CHECK(std::isfinite(p.score(1, 0)));
  CHECK(ranked(p, 0).front() == 1);
}
