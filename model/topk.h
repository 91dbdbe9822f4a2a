// Top-k selection. TopK accumulates (item, score) pairs offered in any order
// and keeps the best k (descending score, ties to the smaller index); the
// item indexes (exact_index, hnsw_index) use it. top_k() over a score array
// indexed by item is the same for a whole array (index 0 = padding, never
// returned). -inf and NaN scores are never kept: -inf means excluded.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace attnrec::model {

struct ScoredItem {
  int32_t item;  // internal index 1..N
  float score;
};

// a ranks before b: higher score, or the same score and a smaller index.
inline bool ranks_before(const ScoredItem& a, const ScoredItem& b) {
  return a.score > b.score || (a.score == b.score && a.item < b.item);
}

// A min-heap of at most k items in a caller's vector (cleared; no allocation
// once it has capacity k). While it is full, offer() is one comparison with
// the worst kept score, so a scan pays for the heap only on the rare items
// that enter it.
class TopK {
 public:
  TopK(int k, std::vector<ScoredItem>* out) : k_(size_t(std::max(k, 0))), out_(*out) {
    out_.clear();
  }
  // Worst score an item must beat to be kept (ties decided by index), -inf
  // while fewer than k are kept.
  float threshold() const { return out_.size() < k_ ? -INFINITY : out_.front().score; }
  void offer(int32_t item, float score) {
    if (!(score > -INFINITY)) return;  // -inf (excluded) and NaN
    const ScoredItem c{item, score};
    if (out_.size() < k_) {
      out_.push_back(c);
      std::push_heap(out_.begin(), out_.end(), ranks_before);
    } else if (k_ > 0 && ranks_before(c, out_.front())) {
      std::pop_heap(out_.begin(), out_.end(), ranks_before);
      out_.back() = c;
      std::push_heap(out_.begin(), out_.end(), ranks_before);
    }
  }
  // Sorts the kept items best first; the accumulator is spent.
  void finish() { std::sort_heap(out_.begin(), out_.end(), ranks_before); }

 private:
  size_t k_;
  std::vector<ScoredItem>& out_;
};

// Best k items of `scores` (index = item) by descending score, ties broken
// by the smaller index. `out` is cleared and reused.
inline void top_k(std::span<const float> scores, int k, std::vector<ScoredItem>& out) {
  TopK top(k, &out);
  if (k <= 0) return;
  for (size_t i = 1; i < scores.size(); ++i) top.offer(int32_t(i), scores[i]);
  top.finish();
}

inline std::vector<ScoredItem> top_k(std::span<const float> scores, int k) {
  std::vector<ScoredItem> out;
  out.reserve(size_t(std::max(k, 0)));
  top_k(scores, k, out);
  return out;
}

}  // namespace attnrec::model
