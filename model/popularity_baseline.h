// The popularity baseline a trained model has to beat: items ranked by how
// often they occur among the items the model trained on, evaluated under
// the evaluator's full-ranking protocol (evaluator.h) on the same cases.
//
// Full ranking: the target is ranked against all N items, the user's
// history (other than the target) and its negative items excluded. Ties
// count against the target (rank = candidates counted at least as often),
// as in bench/popularity.py, so the baseline gets no free hits on items it
// has never seen, and a model is never kept for losing to a lucky tie.
//
// This is a count over a training split, not the service's recency-decayed
// popularity (service/popularity.h), which answers for a store without a
// model; on data without timestamps the two rank alike.
//
// Thread-safe: a built PopularityBaseline is immutable.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "model/dataset.h"
#include "model/metrics.h"

namespace attnrec::model {

class PopularityBaseline {
 public:
  // `num_items` is N; every item added must be in 1..N.
  explicit PopularityBaseline(int32_t num_items);

  // Counts each item of one user's training items once per occurrence.
  void add(std::span<const int32_t> items);

  // Full-ranking metrics of the first `max_users` cases of `split` (0 =
  // all), the same cases evaluate() ranks with the same max_users.
  RankMetrics evaluate(const Dataset& data, Split split, int max_users) const;

  // [N + 1] occurrences of each item (index 0 unused).
  const std::vector<int64_t>& counts() const { return counts_; }

 private:
  std::vector<int64_t> counts_;
};

}  // namespace attnrec::model
