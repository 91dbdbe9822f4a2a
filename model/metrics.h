// Ranking metrics of leave-one-out evaluation, from the 0-based rank of the
// held-out item among the candidates (0 = ranked first):
//   HR@10   = [rank < 10]
//   NDCG@10 = 1 / log2(rank + 2) if rank < 10, else 0   (one relevant item)
//   MRR     = 1 / (rank + 1)                             (not truncated)
// averaged over users. RankMetrics keeps sums so partial results from
// several threads can be merged.
#pragma once

#include <cstdint>

namespace attnrec::model {

struct RankMetrics {
  int64_t users = 0;
  double hr_sum = 0, ndcg_sum = 0, rr_sum = 0;

  void add_rank(int64_t rank);
  void merge(const RankMetrics& other);
  double hr10() const { return users ? hr_sum / double(users) : 0.0; }
  double ndcg10() const { return users ? ndcg_sum / double(users) : 0.0; }
  double mrr() const { return users ? rr_sum / double(users) : 0.0; }
};

}  // namespace attnrec::model
