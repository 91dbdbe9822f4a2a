#include "model/exact_index.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>

namespace attnrec::model {

namespace {

// Per-thread scratch of search(): one chunk's scores and the excluded items
// as a bitmap (all zero between calls: search() clears the bits it set;
// cheaper than sorting a history of hundreds per query). Sized on first
// use; never shrinks.
struct SearchScratch {
  FlatVec<float> scores;          // [kChunk]
  std::vector<uint64_t> excluded;  // bit i: item i is excluded
};

SearchScratch& search_scratch() {
  thread_local SearchScratch s;
  return s;
}

// Per-thread scratch of search_batch(): the batch's chunk scores, one
// sorted excluded list per user.
struct BatchScratch {
  Mat<float> scores;                            // [B, kChunk]
  std::vector<std::vector<int32_t>> excluded;   // [B], each in range, ascending
};

BatchScratch& batch_scratch() {
  thread_local BatchScratch s;
  return s;
}

// Sorted in-range excluded items of `filter` into `out`.
void sorted_excluded(const SearchFilter& filter, Eigen::Index rows, std::vector<int32_t>& out) {
  out.clear();
  for (int32_t it : filter.excluded) {
    if (it >= 1 && it < rows) out.push_back(it);
  }
  std::sort(out.begin(), out.end());
}

// Offers a chunk's m scores (items c0 .. c0 + m - 1) to `top`: all of them,
// or with `allowed` (the chunk's kChunk / 64 bitmap words) only the allowed
// ones. Items come in ascending order, so an item tying the worst kept score
// loses (ties go to the smaller index): `>` is the whole test.
void offer_chunk(TopK& top, const float* sc, int m, Eigen::Index c0, const uint64_t* allowed) {
  float thr = top.threshold();
  if (!allowed) {
    for (int r = 0; r < m; ++r) {
      if (sc[r] > thr) {
        top.offer(int32_t(c0 + r), sc[r]);
        thr = top.threshold();
      }
    }
    return;
  }
  for (int w = 0; w < ExactIndex::kChunk / 64; ++w) {
    for (uint64_t bits = allowed[w]; bits != 0; bits &= bits - 1) {
      const int r = w * 64 + std::countr_zero(bits);
      if (r >= m) break;  // bits past N
      if (sc[r] > thr) {
        top.offer(int32_t(c0 + r), sc[r]);
        thr = top.threshold();
      }
    }
  }
}

}  // namespace

ExactIndex::ExactIndex(CMatMap<float> items, bool normalize_rows)
    : rows_(items.rows()),
      d_(items.cols()),
      chunks_((rows_ + kChunk - 1) / kChunk),
      data_(size_t(chunks_ * kChunk * d_), 0.0f) {
  assert(rows_ >= 1 && d_ >= 1);
  for (Eigen::Index i = 0; i < rows_; ++i) {
    float scale = 1.0f;
    if (normalize_rows) {
      const float norm = items.row(i).norm();
      scale = norm > 0 ? 1.0f / norm : 0.0f;
    }
    // Item i is row i % kChunk of chunk i / kChunk, column-major.
    float* base = data_.data() + (i / kChunk) * kChunk * d_ + i % kChunk;
    for (Eigen::Index j = 0; j < d_; ++j) base[j * kChunk] = items(i, j) * scale;
  }
}

void ExactIndex::search(std::span<const float> user, int k, const SearchFilter& filter,
                        std::vector<ScoredItem>* out) const {
  assert(Eigen::Index(user.size()) == d_);
  TopK top(k, out);
  if (k <= 0) return;
  SearchScratch& s = search_scratch();
  s.scores.resize(kChunk);
  constexpr int kWords = kChunk / 64;
  if (s.excluded.size() < size_t(chunks_) * kWords) s.excluded.resize(size_t(chunks_) * kWords, 0);
  bool any_excluded = false;
  for (int32_t it : filter.excluded) {
    if (it >= 1 && it < rows_) {
      bitmap_set(s.excluded, it);
      any_excluded = true;
    }
  }
  const bool filtered = !filter.allowed.empty();
  assert(!filtered || filter.allowed.size() >= bitmap_words(num_items()));

  const Eigen::Map<const Eigen::VectorXf> u(user.data(), d_);
  Eigen::Map<Eigen::VectorXf, Eigen::Aligned64> sc(s.scores.data(), kChunk);
  for (Eigen::Index c = 0; c < chunks_; ++c) {
    const Eigen::Index c0 = c * kChunk;
    const int m = int(std::min<Eigen::Index>(kChunk, rows_ - c0));  // real items in the chunk
    uint64_t words[kWords] = {};
    if (filtered) {
      uint64_t any = 0;
      for (int w = 0; w < kWords; ++w) {
        const size_t wi = size_t(c) * kWords + size_t(w);
        words[w] = wi < filter.allowed.size() ? filter.allowed[wi] : 0;
        any |= words[w];
      }
      if (!any) continue;  // nothing allowed here: not even scored
    }
    sc.noalias() = chunk(c) * u;  // [kChunk] = [kChunk, d] x [d]
    if (c == 0) sc[0] = -INFINITY;  // padding
    if (any_excluded) {
      for (int w = 0; w < kWords; ++w) {
        for (uint64_t bits = s.excluded[size_t(c) * kWords + size_t(w)]; bits != 0; bits &= bits - 1) {
          sc[w * 64 + std::countr_zero(bits)] = -INFINITY;
        }
      }
    }

    offer_chunk(top, sc.data(), m, c0, filtered ? words : nullptr);
  }
  for (int32_t it : filter.excluded) {  // back to all zero for the next call
    if (it >= 1 && it < rows_) s.excluded[size_t(it) >> 6] = 0;
  }
  top.finish();
}

void ExactIndex::search_batch(CRef<float> users, int k, std::span<const SearchFilter> filters,
                              std::span<std::vector<ScoredItem>> outs) const {
  const Eigen::Index B = users.rows();
  assert(users.cols() == d_ && Eigen::Index(filters.size()) == B && Eigen::Index(outs.size()) == B);
  if (k <= 0 || B == 0) {
    for (auto& o : outs) o.clear();
    return;
  }
  BatchScratch& s = batch_scratch();
  s.scores.resize(B, kChunk);
  if (Eigen::Index(s.excluded.size()) < B) s.excluded.resize(size_t(B));
  std::vector<TopK> tops;  // B small objects; the answers live in outs
  tops.reserve(size_t(B));
  std::vector<const int32_t*> ex(size_t(B), nullptr);  // each user's cursor in its excluded list
  for (Eigen::Index b = 0; b < B; ++b) {
    tops.emplace_back(k, &outs[size_t(b)]);
    sorted_excluded(filters[size_t(b)], rows_, s.excluded[size_t(b)]);
    ex[size_t(b)] = s.excluded[size_t(b)].data();
    assert(filters[size_t(b)].allowed.empty() ||
           filters[size_t(b)].allowed.size() >= bitmap_words(num_items()));
  }
  constexpr int kWords = kChunk / 64;
  for (Eigen::Index c = 0; c < chunks_; ++c) {
    const Eigen::Index c0 = c * kChunk;
    const int m = int(std::min<Eigen::Index>(kChunk, rows_ - c0));  // real items in the chunk
    s.scores.noalias() = users * chunk(c).transpose();  // [B, kChunk] = [B, d] x [d, kChunk]
    for (Eigen::Index b = 0; b < B; ++b) {
      const SearchFilter& filter = filters[size_t(b)];
      float* sc = &s.scores(b, 0);
      if (c == 0) sc[0] = -INFINITY;  // padding
      const int32_t*& e = ex[size_t(b)];
      const int32_t* const e_end = s.excluded[size_t(b)].data() + s.excluded[size_t(b)].size();
      while (e != e_end && *e < c0) ++e;
      for (; e != e_end && *e < c0 + m; ++e) sc[*e - c0] = -INFINITY;
      uint64_t words[kWords] = {};
      for (int w = 0; w < kWords && !filter.allowed.empty(); ++w) {
        const size_t wi = size_t(c) * kWords + size_t(w);
        words[w] = wi < filter.allowed.size() ? filter.allowed[wi] : 0;
      }
      offer_chunk(tops[size_t(b)], sc, m, c0, filter.allowed.empty() ? nullptr : words);
    }
  }
  for (TopK& top : tops) top.finish();
}

void ExactIndex::score_all(CRef<float> users, MRef<float> scores) const {
  assert(users.cols() == d_ && scores.rows() == users.rows() && scores.cols() == rows_);
  for (Eigen::Index c = 0; c < chunks_; ++c) {
    const Eigen::Index c0 = c * kChunk, m = std::min<Eigen::Index>(kChunk, rows_ - c0);
    scores.middleCols(c0, m).noalias() =
        users * chunk(c).topRows(m).transpose();  // [B, m] = [B, d] x [d, m]
  }
  scores.col(0).setConstant(-INFINITY);
}

}  // namespace attnrec::model
