#include "model/model.h"

#include <cassert>
#include <cmath>

#include "model/sasrec.h"

namespace attnrec::model {

namespace {

// Per-thread inference scratch, rebuilt only when the model shape changes.
struct InferenceScratch {
  Config shape;
  std::unique_ptr<Workspace<float>> ws;
  std::vector<int32_t> items;
  std::vector<float> user, scores;
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
    s.ws = std::make_unique<Workspace<float>>(cfg);
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

Model::Model(Params<float> params, std::vector<std::string> item_ids)
    : params_(std::move(params)), item_ids_(std::move(item_ids)) {
  assert(int32_t(item_ids_.size()) == params_.config().num_items);
  index_.reserve(item_ids_.size());
  for (size_t i = 0; i < item_ids_.size(); ++i) index_.emplace(item_ids_[i], int32_t(i + 1));
  const auto E = item_embeddings();
  emb_norm_.resize(size_t(E.rows()));
  for (Eigen::Index i = 0; i < E.rows(); ++i) emb_norm_[size_t(i)] = E.row(i).norm();
}

int32_t Model::index_of(std::string_view external_id) const {
  auto it = index_.find(std::string(external_id));
  return it == index_.end() ? 0 : it->second;
}

bool Model::encode(std::span<const int32_t> history, std::span<float> user) const {
  assert(int32_t(user.size()) == dim());
  InferenceScratch& s = scratch_for(config());
  if (!select_items(history, config(), s)) return false;
  forward<float>(params_, s.items, *s.ws, nullptr, /*last_only=*/true);
  Eigen::Map<RowVec<float>>(user.data(), dim()) = s.ws->out.row(0);
  return true;
}

void Model::score_all(std::span<const float> user, std::span<float> scores) const {
  assert(int32_t(user.size()) == dim() && int32_t(scores.size()) == num_items() + 1);
  const Eigen::Map<const ColVec<float>> u(user.data(), dim());
  Eigen::Map<ColVec<float>> out(scores.data(), Eigen::Index(scores.size()));
  out.noalias() = item_embeddings() * u;  // [N + 1] = [N + 1, d] x [d]
  scores[0] = -INFINITY;
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

std::vector<ScoredItem> Model::recommend(std::span<const int32_t> history, int k,
                                         std::span<const int32_t> exclude) const {
  InferenceScratch& s = scratch_for(config());
  s.user.resize(size_t(dim()));
  s.scores.resize(size_t(num_items()) + 1);
  if (!encode(history, s.user)) return {};
  score_all(s.user, s.scores);
  for (int32_t it : exclude) {
    if (it >= 1 && it <= num_items()) s.scores[size_t(it)] = -INFINITY;
  }
  return top_k(s.scores, k);
}

std::vector<ScoredItem> Model::similar(int32_t item, int k) const {
  if (item < 1 || item > num_items()) return {};
  std::vector<float> scores(size_t(num_items()) + 1);
  const auto E = item_embeddings();
  Eigen::Map<ColVec<float>> out(scores.data(), Eigen::Index(scores.size()));
  out.noalias() = E * E.row(item).transpose();  // [N + 1] = [N + 1, d] x [d]
  for (size_t i = 1; i < scores.size(); ++i) {
    const float denom = emb_norm_[i] * emb_norm_[size_t(item)];
    scores[i] = denom > 0 ? scores[i] / denom : 0.0f;
  }
  scores[0] = -INFINITY;
  scores[size_t(item)] = -INFINITY;
  return top_k(scores, k);
}

Explanation Model::explain(std::span<const int32_t> history) const {
  Explanation ex;
  InferenceScratch& s = scratch_for(config());
  if (!select_items(history, config(), s)) return ex;
  // Full forward: every block's cache then holds all rows of P.
  forward<float>(params_, s.items, *s.ws, nullptr, /*last_only=*/false);
  const int n = int(s.items.size());
  ex.used_history = s.items;
  for (const BlockCache<float>& b : s.ws->blocks) {
    auto& per_head = ex.weights.emplace_back();
    for (int h = 0; h < config().heads; ++h) {
      attention_weights<float>(b.att, h, n - 1, per_head.emplace_back(size_t(n)));
    }
  }
  return ex;
}

}  // namespace attnrec::model
