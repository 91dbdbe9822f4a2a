// Top-k selection over a score array indexed by item (index 0 = padding,
// never returned). Entries equal to -inf are treated as excluded.
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

// Best k items by descending score, ties broken by the smaller index.
// `out` is cleared and reused (no allocation once it has capacity k).
inline void top_k(std::span<const float> scores, int k, std::vector<ScoredItem>& out) {
  out.clear();
  if (k <= 0) return;
  const auto better = [](const ScoredItem& a, const ScoredItem& b) {
    return a.score > b.score || (a.score == b.score && a.item < b.item);
  };
  // out is a min-heap (worst on top) of at most k items.
  for (size_t i = 1; i < scores.size(); ++i) {
    const float s = scores[i];
    if (s == -INFINITY || std::isnan(s)) continue;
    const ScoredItem c{int32_t(i), s};
    if (int(out.size()) < k) {
      out.push_back(c);
      std::push_heap(out.begin(), out.end(), better);
    } else if (better(c, out.front())) {
      std::pop_heap(out.begin(), out.end(), better);
      out.back() = c;
      std::push_heap(out.begin(), out.end(), better);
    }
  }
  std::sort_heap(out.begin(), out.end(), better);
}

inline std::vector<ScoredItem> top_k(std::span<const float> scores, int k) {
  std::vector<ScoredItem> out;
  out.reserve(size_t(std::max(k, 0)));
  top_k(scores, k, out);
  return out;
}

}  // namespace attnrec::model
