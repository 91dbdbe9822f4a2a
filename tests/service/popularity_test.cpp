#include "service/popularity.h"

#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

using attnrec::service::Popularity;

namespace {
constexpr int64_t kDay = 86400000;

std::vector<uint32_t> ranked(const Popularity& p) {
  std::vector<uint32_t> out;
  p.for_each_ranked([&](uint32_t item, double) {
    out.push_back(item);
    return true;
  });
  return out;
}
}  // namespace

TEST_CASE("popularity decays with a half-life, measured from the newest event", "[popularity]") {
  const int64_t t0 = 1700000000000;
  Popularity p(/*half_life_days=*/7, t0, /*refresh_ms=*/0);
  p.add(1, t0 - 14 * kDay, 1.0f);
  p.add(2, t0 - 7 * kDay, 2.0f);
  p.add(3, t0, 1.0f);
  CHECK(p.score(3) == Approx(1.0));
  CHECK(p.score(2) == Approx(1.0));   // weight 2, one half-life old
  CHECK(p.score(1) == Approx(0.25));
  CHECK(p.score(4) == 0.0);
}

TEST_CASE("recent events outweigh older, more numerous ones", "[popularity]") {
  const int64_t t0 = 1700000000000;
  Popularity p(7, t0, 0);
  for (int i = 0; i < 3; ++i) p.add(1, t0 - 28 * kDay, 1.0f);  // 3 events a month ago
  p.add(2, t0, 1.0f);                                             // 1 event now
  p.add(3, t0 - 1 * kDay, 1.0f);
  CHECK(ranked(p) == std::vector<uint32_t>{2, 3, 1});
  // Removing contributions (user erasure) takes the item out entirely.
  p.add(2, t0, 1.0f, -1);
  CHECK(ranked(p) == std::vector<uint32_t>{3, 1});
  CHECK(p.score(2) == 0.0);
}

TEST_CASE("decades-old and far-future events neither vanish nor overflow", "[popularity]") {
  const int64_t now = 1800000000000;
  Popularity p(7, now, 0);
  // MovieLens-era ratings (year 2000), 1,300 half-lives before the origin.
  const int64_t y2000 = 946684800000;
  p.add(1, y2000, 1.0f);
  p.add(1, y2000, 1.0f);
  p.add(2, y2000 + kDay, 1.0f);
  CHECK(ranked(p) == std::vector<uint32_t>{1, 2});
  CHECK(p.score(2) == Approx(1.0));  // the newest event is the reference
  CHECK(p.score(1) == Approx(2 * std::exp2(-1.0 / 7)));
  p.add(3, 253402300799999, 1.0f);  // year 9999: capped at now as the reference
  CHECK(std::isfinite(p.score(3)));
  CHECK(ranked(p).front() == 3);
}
