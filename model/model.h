// Model: a trained SASRec network ready for inference, with the list of
// external item ids it was trained on (item i <-> item_ids()[i - 1]) and the
// item index (item_index.h) that every top-k path goes through.
//
// Thread-safety: a Model is immutable after construction; every const member
// may be called concurrently from many threads (hold it as
// std::shared_ptr<const Model>). Activation buffers live in a thread_local
// workspace reused across calls, so encoding allocates nothing after a
// thread's first call for a given model shape.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/exact_index.h"
#include "model/item_index.h"
#include "model/params.h"
#include "model/topk.h"

namespace attnrec::model {

// Attention of the last history position, per block and head:
// weights[block][head][j] is the weight on used_history[j] (sums to 1; with
// local attention of window W, zero except on the last W items).
struct Explanation {
  std::vector<int32_t> used_history;  // the last <= L known items, oldest first
  std::vector<std::vector<std::vector<float>>> weights;
};

class Model {
 public:
  // Preconditions: item_ids.size() == params.config().num_items, ids unique.
  // Builds the item index `index` asks for (an HNSW build takes seconds per
  // 100k items; models that are only evaluated, e.g. during training, ask
  // for IndexKind::kExact).
  Model(Params<float> params, std::vector<std::string> item_ids, IndexOptions index = {});

  const Config& config() const { return params_.config(); }
  const Params<float>& params() const { return params_; }
  int32_t num_items() const { return config().num_items; }
  int32_t dim() const { return config().d; }
  const std::vector<std::string>& item_ids() const { return item_ids_; }
  const std::string& external_id(int32_t item) const { return item_ids_[size_t(item - 1)]; }
  // Internal index 1..N of an external id, or 0 when the model does not know it.
  int32_t index_of(std::string_view external_id) const;
  // [N + 1, d] row-major; row 0 is padding (zero).
  const CMatMap<float>& item_embeddings() const { return params_.net().item_emb; }
  // The index over item_embeddings() that recommend() and top_k() search.
  const ItemIndex& index() const { return *index_; }

  // User vector of a history (oldest first; items outside 1..N are ignored,
  // only the last L known items are used). Returns false, leaving `user`
  // untouched, when no known item remains. user.size() == dim().
  bool encode(std::span<const int32_t> history, std::span<float> user) const;

  // Best k items for an encoded user vector among those `filter` lets
  // through, best first (index().search; `out` cleared and reused).
  void top_k(std::span<const float> user, int k, const SearchFilter& filter,
             std::vector<ScoredItem>* out) const;
  // out[j] = dot(user, E[items[j]]); unknown items (0 or > N) get -inf.
  // Scores a few candidates (ranking a given list), not the catalog.
  void score(std::span<const float> user, std::span<const int32_t> items,
             std::span<float> out) const;
  // dot(E[a], E[b]); 0 when either is not in 1..N.
  float item_dot(int32_t a, int32_t b) const;

  // Top-k items for a history among those `filter` lets through (put the
  // history in filter.excluded to leave it out). Empty when the history has
  // no known item.
  std::vector<ScoredItem> recommend(std::span<const int32_t> history, int k,
                                    const SearchFilter& filter) const;
  // Nearest items to `item` by cosine similarity of embeddings, `item`
  // itself never returned. Always exact: one scan over the L2-normalised
  // rows (a second copy of the embeddings, N * d floats).
  std::vector<ScoredItem> similar(int32_t item, int k, const SearchFilter& filter = {}) const;
  // Attention weights of the last position (see Explanation).
  Explanation explain(std::span<const int32_t> history) const;

 private:
  Params<float> params_;
  std::vector<std::string> item_ids_;
  std::unordered_map<std::string, int32_t> index_of_;
  std::unique_ptr<const ItemIndex> index_;
  ExactIndex similar_;  // over the L2-normalised rows of E: inner product = cosine
};

}  // namespace attnrec::model
