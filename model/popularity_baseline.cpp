#include "model/popularity_baseline.h"

#include <algorithm>
#include <cassert>
#include <functional>

namespace attnrec::model {

PopularityBaseline::PopularityBaseline(int32_t num_items) : counts_(size_t(num_items) + 1, 0) {}

void PopularityBaseline::add(std::span<const int32_t> items) {
  for (int32_t i : items) {
    assert(i >= 1 && size_t(i) < counts_.size());
    ++counts_[size_t(i)];
  }
}

RankMetrics PopularityBaseline::evaluate(const Dataset& data, Split split, int max_users) const {
  std::vector<EvalCase> cases = eval_cases(data, split);
  if (max_users > 0 && size_t(max_users) < cases.size()) cases.resize(size_t(max_users));
  // Counts of items 1..N, descending: the items counted at least c times
  // are the first upper_bound(c) of them.
  std::vector<int64_t> sorted(counts_.begin() + 1, counts_.end());
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  std::vector<char> excluded(counts_.size(), 0);
  RankMetrics m;
  for (const EvalCase& c : cases) {
    const int64_t t = counts_[size_t(c.target)];
    int64_t rank =
        int64_t(std::upper_bound(sorted.begin(), sorted.end(), t, std::greater<>()) - sorted.begin()) - 1;
    // Leave out what the user is never recommended, each distinct item once.
    auto exclude = [&](int32_t j) {
      if (j == c.target || excluded[size_t(j)]) return;
      excluded[size_t(j)] = 1;
      rank -= counts_[size_t(j)] >= t;
    };
    for (int32_t h : c.history) exclude(h);
    for (int32_t h : data.negatives_of(size_t(c.user))) exclude(h);
    for (int32_t h : c.history) excluded[size_t(h)] = 0;
    for (int32_t h : data.negatives_of(size_t(c.user))) excluded[size_t(h)] = 0;
    m.add_rank(rank);
  }
  return m;
}

}  // namespace attnrec::model
