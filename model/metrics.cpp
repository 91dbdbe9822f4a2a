#include "model/metrics.h"

#include <cassert>
#include <cmath>
#include <cstdio>

namespace attnrec::model {

void RankMetrics::add_rank(int64_t rank) {
  assert(rank >= 0);
  ++users;
  if (rank < 10) {
    hr_sum += 1.0;
    ndcg_sum += 1.0 / std::log2(double(rank) + 2.0);
  }
  rr_sum += 1.0 / double(rank + 1);
}

void RankMetrics::merge(const RankMetrics& o) {
  users += o.users;
  hr_sum += o.hr_sum;
  ndcg_sum += o.ndcg_sum;
  rr_sum += o.rr_sum;
}

}  // namespace attnrec::model
