#include "model/metrics.h"

#include <catch2/catch.hpp>
#include <cmath>

using attnrec::model::RankMetrics;

TEST_CASE("metrics of hand-computed ranks", "[metrics]") {
  RankMetrics m;
  m.add_rank(0);   // hit, ndcg 1, rr 1
  m.add_rank(2);   // hit, ndcg 1/log2(4) = 0.5, rr 1/3
  m.add_rank(9);   // hit, ndcg 1/log2(11), rr 1/10
  m.add_rank(10);  // miss, ndcg 0, rr 1/11
  CHECK(m.users == 4);
  CHECK(m.hr10() == Approx(0.75));
  CHECK(m.ndcg10() == Approx((1.0 + 0.5 + 1.0 / std::log2(11.0)) / 4.0));
  CHECK(m.mrr() == Approx((1.0 + 1.0 / 3 + 0.1 + 1.0 / 11) / 4.0));
}

TEST_CASE("merging partial metrics equals adding all ranks", "[metrics]") {
  RankMetrics a, b, all;
  for (int r : {0, 5, 20}) { a.add_rank(r); all.add_rank(r); }
  for (int r : {1, 3}) { b.add_rank(r); all.add_rank(r); }
  a.merge(b);
  CHECK(a.users == all.users);
  CHECK(a.ndcg10() == Approx(all.ndcg10()));
  CHECK(a.hr10() == Approx(all.hr10()));
  CHECK(a.mrr() == Approx(all.mrr()));
}

TEST_CASE("empty metrics are zero", "[metrics]") {
  RankMetrics m;
  CHECK(m.users == 0);
  CHECK(m.ndcg10() == 0.0);
  CHECK(m.hr10() == 0.0);
  CHECK(m.mrr() == 0.0);
  m.add_rank(1);
  CHECK(m.users == 1);
  CHECK(m.hr10() == 1.0);
  CHECK(m.mrr() == 0.5);
}
