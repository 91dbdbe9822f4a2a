#include "service/recommend/recommender.h"

#include <algorithm>
#include <unordered_set>

#include "model/topk.h"
#include "service/catalog.h"
#include "service/config.h"
#include "service/popularity.h"
#include "service/recommend/item_filter.h"
#include "service/recommend/encoder_cache.h"
#include "service/training/live_model.h"
#include "service/validate.h"
#include "storage/store.h"

namespace attnrec::service {
namespace {

constexpr size_t kBecauseItems = 3;

// The history items that contribute most to a result: last-layer attention
// (averaged over heads) times the similarity of their embedding to the item's.
std::vector<std::string> because(const ServingModel& m, const model::Explanation& ex, int32_t item) {
  if (ex.weights.empty()) return {};
  const auto& last = ex.weights.back();
  std::vector<std::pair<double, int32_t>> parts;
  for (size_t j = 0; j < ex.used_history.size(); ++j) {
    double a = 0;
    for (const auto& head : last) a += head[j];
    a /= static_cast<double>(last.size());
    const int32_t h = ex.used_history[j];
    const double sim = m.net->item_dot(item, h);
    if (sim > 0) parts.emplace_back(a * sim, h);
  }
  std::sort(parts.begin(), parts.end(), std::greater<>());
  std::vector<std::string> out;
  std::unordered_set<int32_t> seen;
  for (const auto& [w, h] : parts) {
    if (out.size() == kBecauseItems) break;
    if (seen.insert(h).second) out.push_back(m.net->external_id(h));
  }
  return out;
}

// Per-thread buffers of the request path: no allocation per request once warm.
struct Scratch {
  EncodedUser user;
  ItemFilter::ModelScratch filter;
  std::vector<model::ScoredItem> top;
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace

Recommender::Recommender(const storage::Store& store, const Catalog& catalog,
                         const Popularity& popularity, const LiveModel& live, EncoderCache& cache,
                         const Config& config)
    : store_(store),
      catalog_(catalog),
      popularity_(popularity),
      live_(live),
      config_(config),
      encoder_(store, cache, config.history_cap, config.types) {}

void Recommender::popular(size_t k, const ItemFilter& filter, Recommendations* out) const {
  out->strategy = "popularity";
  out->model_version.clear();
  out->items.clear();
  popularity_.for_each_ranked([&](uint32_t item, double score) {
    if (filter.accepts(item)) out->items.push_back({store_.item_name(item), score, {}});
    return out->items.size() < k;
  });
}

Status Recommender::recommend(const RecommendRequest& request, Recommendations* out) const {
  *out = {};
  if (Status s = check_k(request.k, config_.max_k); !s.is_ok()) return s;
  if (Status s = check_user_or_history(request.user, request.history, config_.history_cap); !s.is_ok()) return s;
  if (Status s = check_id_list("exclude", request.exclude, kMaxRankCandidates); !s.is_ok()) return s;
  const auto live = live_.load();
  Scratch& tmp = scratch();
  if (Status s = encoder_.encode(live.get(), request.user, request.history, &tmp.user); !s.is_ok()) {
    return s;
  }
  // The request's own exclusions, and the items the user marked negative:
  // those whatever exclude_seen says.
  std::vector<uint32_t> excluded(tmp.user.negatives.begin(), tmp.user.negatives.end());
  for (const auto& item : request.exclude) {
    if (const uint32_t id = store_.find_item(item)) excluded.push_back(id);
  }
  const ItemFilter filter(catalog_.snapshot(), request.tags,
                          request.exclude_seen ? std::span<const uint32_t>(tmp.user.history)
                                               : std::span<const uint32_t>(),
                          excluded);
  if (!live || !tmp.user.encoded()) {
    popular(request.k, filter, out);
    return Status::ok();
  }
  const model::Model& net = *live->net;
  const auto eligible = eligible_.get(live, filter.snapshot());
  net.top_k(tmp.user.vec, static_cast<int>(request.k), filter.for_model(*live, *eligible, &tmp.filter),
            &tmp.top);
  out->strategy = "sasrec";
  out->model_version = live->version;
  model::Explanation ex;
  if (request.explain) ex = net.explain(live->encode_items(tmp.user.history));
  out->items.reserve(tmp.top.size());
  for (const auto& [i, score] : tmp.top) {
    RecommendedItem item{net.external_id(i), score, {}};
    if (request.explain) item.because = because(*live, ex, i);
    out->items.push_back(std::move(item));
  }
  return Status::ok();
}

Status Recommender::rank(const RankRequest& request, RankResults* out) const {
  *out = {};
  if (request.items.empty()) return Status::invalid_argument("`items` must list at least one candidate");
  if (Status s = check_id_list("items", request.items, kMaxRankCandidates); !s.is_ok()) return s;
  if (Status s = check_user_or_history(request.user, request.history, config_.history_cap); !s.is_ok()) return s;
  const auto live = live_.load();
  Scratch& tmp = scratch();
  if (Status s = encoder_.encode(live.get(), request.user, request.history, &tmp.user); !s.is_ok()) {
    return s;
  }
  const bool personal = live && tmp.user.encoded();
  out->strategy = personal ? "sasrec" : "popularity";
  if (personal) out->model_version = live->version;

  // Each candidate once; the model scores all it knows in one call. An item
  // the user marked negative is never recommended to them: it is left out.
  std::unordered_set<std::string_view> seen;
  std::vector<int32_t> indices;
  const std::vector<uint32_t>& negatives = tmp.user.negatives;  // sorted
  for (const auto& item : request.items) {
    if (!seen.insert(item).second) continue;
    if (!negatives.empty()) {
      const uint32_t id = store_.find_item(item);
      if (id && std::binary_search(negatives.begin(), negatives.end(), id)) continue;
    }
    const int32_t idx = personal ? live->net->index_of(item) : 0;
    RankedItem r{item, 0, idx == 0};
    if (!idx) {
      if (const uint32_t id = store_.find_item(item)) r.score = popularity_.score(id);
    }
    indices.push_back(idx);
    out->items.push_back(std::move(r));
  }
  if (personal) {
    std::vector<float> scores(indices.size());
    live->net->score(tmp.user.vec, indices, scores);
    for (size_t j = 0; j < indices.size(); ++j) {
      if (indices[j]) out->items[j].score = scores[j];
    }
  }
  // Model-scored candidates first, then the fallback ones; each by score.
  std::stable_sort(out->items.begin(), out->items.end(), [](const RankedItem& a, const RankedItem& b) {
    if (a.fallback != b.fallback) return !a.fallback;
    return a.score > b.score;
  });
  return Status::ok();
}

Status Recommender::similar(std::string_view item, size_t k, Recommendations* out) const {
  *out = {};
  if (Status s = check_k(k, config_.max_k); !s.is_ok()) return s;
  const auto live = live_.load();
  const int32_t idx = live ? live->net->index_of(item) : 0;
  if (!idx) {
    if (!store_.find_item(item)) return Status::not_found("no item " + quoted(item));
    if (!live) return Status::unavailable("no model is trained yet; similar items need one");
    return Status::conflict("item " + quoted(item) +
                            " is newer than the live model; it gets an embedding at the next retrain");
  }
  const ItemFilter filter(catalog_.snapshot(), {}, {});
  const auto eligible = eligible_.get(live, filter.snapshot());
  Scratch& tmp = scratch();
  for (const auto& s : live->net->similar(idx, static_cast<int>(k),
                                          filter.for_model(*live, *eligible, &tmp.filter))) {
    out->items.push_back({live->net->external_id(s.item), s.score, {}});
  }
  out->strategy = "sasrec";
  out->model_version = live->version;
  return Status::ok();
}

Status Recommender::explain(std::string_view user, std::string_view item, AttentionMap* out) const {
  *out = {};
  if (!store_.find_user(user)) return Status::not_found("no user " + quoted(user));
  const auto live = live_.load();
  if (!live) return Status::unavailable("no model is trained yet; explanations need one");
  const int32_t idx = live->net->index_of(item);
  if (!idx) {
    if (!store_.find_item(item)) return Status::not_found("no item " + quoted(item));
    return Status::conflict("item " + quoted(item) + " is newer than the live model");
  }
  EncodedUser enc;
  if (Status s = encoder_.encode(live.get(), user, {}, &enc); !s.is_ok()) return s;
  if (!enc.encoded()) {
    return Status::conflict("none of the history of user " + quoted(user) + " is known to the live model");
  }
  const model::Explanation ex = live->net->explain(live->encode_items(enc.history));
  out->model_version = live->version;
  float score = 0;
  live->net->score(enc.vec, {&idx, 1}, {&score, 1});
  out->score = score;
  for (const auto& layer : ex.weights) {
    auto& heads = out->layers.emplace_back();
    for (const auto& head : layer) {
      auto& weights = heads.emplace_back();
      for (size_t j = 0; j < head.size(); ++j) {
        weights.push_back({live->net->external_id(ex.used_history[j]), static_cast<int>(j), head[j]});
      }
    }
  }
  return Status::ok();
}

}  // namespace attnrec::service
