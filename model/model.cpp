#include "model/model.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "model/sasrec.h"

namespace attnrec::model {

namespace {

// Per-thread inference scratch, rebuilt only when the model shape changes.
// Encoding needs only a last_only workspace; explain() runs a full forward
// and gets its own on first use (rarely called, so most threads never pay).
struct InferenceScratch {
  Config shape;
  std::unique_ptr<Workspace<float>> ws;       // Pass::kLastOnly
  std::unique_ptr<Workspace<float>> full_ws;  // Pass::kInference, for explain()
  std::vector<int32_t> items;
  std::vector<float> user;
};

bool same_shape(const Config& a, const Config& b) {
  // The window sizes the attention caches (attention.h).
  return a.maxlen == b.maxlen && a.d == b.d && a.blocks == b.blocks && a.heads == b.heads &&
         a.ffn_width() == b.ffn_width() && a.attention_window() == b.attention_window();
}

InferenceScratch& scratch_for(const Config& cfg) {
  thread_local InferenceScratch s;
  if (!s.ws || !same_shape(s.shape, cfg)) {
    s.shape = cfg;
    s.ws = std::make_unique<Workspace<float>>(cfg, Pass::kLastOnly);
    s.full_ws.reset();
    s.items.reserve(size_t(cfg.maxlen));
  }
  return s;
}

// Keeps the last L known items of `history` in s.items; false if none.
bool select_items(std::span<const int32_t> history, const Config& cfg, InferenceScratch& s) {
  s.items.clear();
  for (size_t i = history.size(); i-- > 0 && int(s.items.size()) < cfg.maxlen;) {
    const int32_t it = history[i];
    if (it >= 1 && it <= cfg.num_items) s.items.push_back(it);
  }
  std::reverse(s.items.begin(), s.items.end());
  return !s.items.empty();
}

}  // namespace

Model::Model(Params<float> params, std::vector<std::string> item_ids, IndexOptions index)
    : params_(std::move(params)),
      item_ids_(std::move(item_ids)),
      index_(build_index(item_embeddings(), index)),
      similar_(item_embeddings(), /*normalize_rows=*/true) {
  assert(int32_t(item_ids_.size()) == params_.config().num_items);
  index_of_.reserve(item_ids_.size());
  for (size_t i = 0; i < item_ids_.size(); ++i) index_of_.emplace(item_ids_[i], int32_t(i + 1));
}

int32_t Model::index_of(std::string_view external_id) const {
  auto it = index_of_.find(std::string(external_id));
  return it == index_of_.end() ? 0 : it->second;
}

bool Model::encode(std::span<const int32_t> history, std::span<float> user) const {
  assert(int32_t(user.size()) == dim());
  InferenceScratch& s = scratch_for(config());
  if (!select_items(history, config(), s)) return false;
  forward<float>(params_, s.items, *s.ws, nullptr, /*last_only=*/true);
  Eigen::Map<RowVec<float>>(user.data(), dim()) = s.ws->out.row(0);
  return true;
}

void Model::top_k(std::span<const float> user, int k, const SearchFilter& filter,
                  std::vector<ScoredItem>* out) const {
  assert(int32_t(user.size()) == dim());
  index_->search(user, k, filter, out);
}

void Model::score(std::span<const float> user, std::span<const int32_t> items,
                  std::span<float> out) const {
  assert(items.size() == out.size());
  const Eigen::Map<const RowVec<float>> u(user.data(), dim());
  const auto E = item_embeddings();
  for (size_t j = 0; j < items.size(); ++j) {
    const int32_t it = items[j];
    out[j] = (it >= 1 && it <= num_items()) ? E.row(it).dot(u) : -INFINITY;
  }
}

float Model::item_dot(int32_t a, int32_t b) const {
  const auto ok = [&](int32_t i) { return i >= 1 && i <= num_items(); };
  if (!ok(a) || !ok(b)) return 0.0f;
  return item_embeddings().row(a).dot(item_embeddings().row(b));
}

std::vector<ScoredItem> Model::recommend(std::span<const int32_t> history, int k,
                                         const SearchFilter& filter) const {
  InferenceScratch& s = scratch_for(config());
  s.user.resize(size_t(dim()));
  std::vector<ScoredItem> out;
  if (k <= 0 || !encode(history, s.user)) return out;
  out.reserve(size_t(k));
  index_->search(s.user, k, filter, &out);
  return out;
}

std::vector<ScoredItem> Model::similar(int32_t item, int k, const SearchFilter& filter) const {
  std::vector<ScoredItem> out;
  if (item < 1 || item > num_items() || k <= 0) return out;
  const auto E = item_embeddings();
  const float norm = E.row(item).norm();
  InferenceScratch& s = scratch_for(config());
  s.user.resize(size_t(dim()));
  Eigen::Map<RowVec<float>>(s.user.data(), dim()) =
      norm > 0 ? RowVec<float>(E.row(item) / norm) : RowVec<float>::Zero(dim());
  // One more than k: `item` itself (cosine 1) is among them unless filtered out.
  out.reserve(size_t(k) + 1);
  similar_.search(s.user, k + 1, filter, &out);
  std::erase_if(out, [item](const ScoredItem& c) { return c.item == item; });
  if (int(out.size()) > k) out.resize(size_t(k));
  return out;
}

Explanation Model::explain(std::span<const int32_t> history) const {
  Explanation ex;
  InferenceScratch& s = scratch_for(config());
  if (!select_items(history, config(), s)) return ex;
  // Full forward: every block's cache then holds all rows of P.
  if (!s.full_ws) s.full_ws = std::make_unique<Workspace<float>>(config(), Pass::kInference);
  forward<float>(params_, s.items, *s.full_ws, nullptr, /*last_only=*/false);
  const int n = int(s.items.size());
  ex.used_history = s.items;
  for (const BlockCache<float>& b : s.full_ws->blocks) {
    auto& per_head = ex.weights.emplace_back();
    for (int h = 0; h < config().heads; ++h) {
      attention_weights<float>(b.att, h, n - 1, per_head.emplace_back(size_t(n)));
    }
  }
  return ex;
}

}  // namespace attnrec::model
