// ExactIndex: top-k by inner product over every item, the reference that
// approximate indexes are measured against.
//
// Layout: the item matrix is copied into chunks of kChunk items; a chunk is
// [kChunk, d] COLUMN-major (one contiguous run of kChunk floats per
// dimension), 64-byte aligned, chunks back to back. Scoring a chunk is then
// d axpy passes over a kChunk-float buffer that stays in L1, and the whole
// matrix is read as one sequential stream (measured 2-3x faster than a
// row-major [N + 1, d] matrix-vector product for N = 3,416, d = 50; see
// bench/README.md, "Item index"). A chunk whose items the filter rejects
// is not scored at all.
//
// Thread safety: immutable after construction; search() and score_all() may
// run concurrently. Per-thread scratch (thread_local) is reused, so a search
// allocates nothing after a thread's first call at a given size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "model/item_index.h"
#include "model/params.h"
#include "model/tensor.h"

namespace attnrec::model {

class ExactIndex final : public ItemIndex {
 public:
  static constexpr int kChunk = 256;  // items per chunk: 4 bitmap words

  // Copies `items` ([N + 1, d] row-major, row 0 padding). With
  // `normalize_rows`, each row is scaled to unit L2 norm first (zero rows
  // stay zero), so inner products are cosine similarities.
  explicit ExactIndex(CMatMap<float> items, bool normalize_rows = false);

  void search(std::span<const float> user, int k, const SearchFilter& filter,
              std::vector<ScoredItem>* out) const override;
  std::string_view kind() const override { return "exact"; }
  size_t memory_bytes() const override { return data_.size() * sizeof(float); }

  // search() for B users at once: each chunk is scored for all of them by
  // one [B, d] x [d, kChunk] product (the chunk is read once per batch, not
  // once per user), then each user's filter and selection run as in
  // search(); outs[b] is what search(users.row(b), k, filters[b], ...) gives.
  // users: [B, d]; filters.size() == outs.size() == B.
  void search_batch(CRef<float> users, int k, std::span<const SearchFilter> filters,
                    std::span<std::vector<ScoredItem>> outs) const;

  // Every item's score for B users at once (full-catalog evaluation):
  // scores(b, i) = dot(users.row(b), item i) for i in 1..N, scores(b, 0) =
  // -inf. users: [B, d]; scores: [B, N + 1].
  void score_all(CRef<float> users, MRef<float> scores) const;

  int32_t num_items() const { return int32_t(rows_ - 1); }
  int dim() const { return int(d_); }

 private:
  // Chunk c as a [kChunk, d] column-major matrix.
  Eigen::Map<const Eigen::MatrixXf, Eigen::Aligned64> chunk(Eigen::Index c) const {
    return {data_.data() + c * kChunk * d_, kChunk, d_};
  }

  Eigen::Index rows_ = 0;  // N + 1
  Eigen::Index d_ = 0;
  Eigen::Index chunks_ = 0;
  FlatVec<float> data_;    // chunks_ * kChunk * d_, rows past N zero
};

}  // namespace attnrec::model
