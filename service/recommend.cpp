// Recommender: answers that use the live model (recommendations, rank,
// similar items, explanations, personalised search), each falling back to
// popularity or plain text where the model cannot help.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_set>

#include "model/topk.h"
#include "service/recommender_impl.h"
#include "service/text.h"

namespace attnrec::service {
namespace {

constexpr size_t kMaxRankCandidates = 10000;
constexpr size_t kBecauseItems = 3;

// The model's view of a history: the user vector, or nothing when the model
// knows none of the items.
struct Encoded {
  std::vector<int32_t> items;  // model indices, oldest first
  std::vector<float> user;     // [d]
};

bool encode(const ServingModel& m, std::span<const uint32_t> store_items, Encoded* out) {
  out->items = m.encode_items(store_items);
  if (out->items.empty()) return false;
  out->user.assign(static_cast<size_t>(m.net->dim()), 0.0f);
  return m.net->encode(out->items, out->user);
}

// v[i] = exp(v[i] - max) / sum_j exp(v[j] - max).
void softmax_in_place(std::vector<double>& v) {
  if (v.empty()) return;
  const double mx = *std::max_element(v.begin(), v.end());
  double sum = 0;
  for (double& x : v) sum += (x = std::exp(x - mx));
  for (double& x : v) x /= sum;
}

float dot(std::span<const float> a, const float* b) {
  float s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// The history items that contribute most to a result: last-layer attention
// (averaged over heads) times the similarity of their embedding to the item's.
std::vector<std::string> because(const ServingModel& m, const model::Explanation& ex, int32_t item) {
  if (ex.weights.empty()) return {};
  const auto& last = ex.weights.back();
  const auto E = m.net->item_embeddings();
  const auto d = static_cast<size_t>(m.net->dim());
  std::vector<std::pair<double, int32_t>> parts;
  for (size_t j = 0; j < ex.used_history.size(); ++j) {
    double a = 0;
    for (const auto& head : last) a += head[j];
    a /= static_cast<double>(last.size());
    const int32_t h = ex.used_history[j];
    const double sim = dot({E.row(item).data(), d}, E.row(h).data());
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

}  // namespace

Status Recommender::recommend(const RecommendRequest& request, Recommendations* out) const {
  *out = {};
  const Impl& im = *impl_;
  if (request.k < 1 || request.k > im.config.max_k) {
    return Status::invalid_argument("`k` must be between 1 and " + std::to_string(im.config.max_k));
  }
  std::vector<uint32_t> history;
  if (!request.user.empty()) {
    if (Status s = im.user_history(request.user, &history); !s.is_ok()) return s;
  } else {
    history = im.find_items(request.history);
  }
  ItemFilter filter;
  filter.tags = request.tags;
  if (request.exclude_seen) filter.excluded.insert(history.begin(), history.end());
  for (uint32_t id : im.find_items(request.exclude)) filter.excluded.insert(id);

  const auto live = im.live.load();
  Encoded enc;
  if (!live || !encode(*live, history, &enc)) {
    im.popular(request.k, filter, out);
    return Status::ok();
  }
  const model::Model& net = *live->net;
  std::vector<float> scores(static_cast<size_t>(net.num_items()) + 1);
  net.score_all(enc.user, scores);
  for (int32_t i = 1; i <= net.num_items(); ++i) {
    const uint32_t store_id = live->to_store[static_cast<size_t>(i)];
    // Items the store does not know have no catalog entry: they pass only
    // filters that need none.
    if (!(store_id ? im.eligible(store_id, filter) : filter.tags.empty())) {
      scores[size_t(i)] = -std::numeric_limits<float>::infinity();  // top_k skips it
    }
  }
  std::vector<model::ScoredItem> top;
  model::top_k(scores, static_cast<int>(request.k), top);
  out->strategy = "sasrec";
  out->model_version = live->version;
  model::Explanation ex;
  if (request.explain) ex = net.explain(enc.items);
  for (const auto& [i, score] : top) {
    ScoredItem item{net.external_id(i), score, {}};
    if (request.explain) item.because = because(*live, ex, i);
    out->items.push_back(std::move(item));
  }
  return Status::ok();
}

Status Recommender::rank(const RankRequest& request, RankResults* out) const {
  *out = {};
  const Impl& im = *impl_;
  if (request.items.empty()) return Status::invalid_argument("`items` must list at least one candidate");
  if (request.items.size() > kMaxRankCandidates) {
    return Status::invalid_argument("`items` lists more than " + std::to_string(kMaxRankCandidates) +
                                    " candidates");
  }
  for (size_t i = 0; i < request.items.size(); ++i) {
    if (request.items[i].empty()) return Status::invalid_argument("`items[" + std::to_string(i) + "]` is empty");
  }
  std::vector<uint32_t> history;
  if (!request.user.empty()) {
    if (Status s = im.user_history(request.user, &history); !s.is_ok()) return s;
  } else {
    history = im.find_items(request.history);
  }
  const auto live = im.live.load();
  Encoded enc;
  const bool personal = live && encode(*live, history, &enc);
  out->strategy = personal ? "sasrec" : "popularity";
  if (personal) out->model_version = live->version;

  std::unordered_set<std::string> seen;
  for (const auto& item : request.items) {
    if (!seen.insert(item).second) continue;  // each candidate once
    RankedItem r{item, 0, true};
    const int32_t idx = personal ? live->net->index_of(item) : 0;
    if (idx) {
      r.fallback = false;
      r.score = dot(enc.user, live->net->item_embeddings().row(idx).data());
    } else if (const uint32_t id = im.store->find_item(item)) {
      r.score = im.popularity.score(id);
    }
    out->items.push_back(std::move(r));
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
  const Impl& im = *impl_;
  if (k < 1 || k > im.config.max_k) {
    return Status::invalid_argument("`k` must be between 1 and " + std::to_string(im.config.max_k));
  }
  const auto live = im.live.load();
  const int32_t idx = live ? live->net->index_of(item) : 0;
  if (!idx) {
    if (!im.store->find_item(item)) return Status::not_found("no item " + quoted(item));
    if (!live) return Status::unavailable("no model is trained yet; similar items need one");
    return Status::conflict("item " + quoted(item) +
                            " is newer than the live model; it gets an embedding at the next retrain");
  }
  ItemFilter filter;
  // Ask for more than k: some neighbours may be unavailable or deleted.
  const int want = static_cast<int>(std::min<size_t>(k * 2 + 16, size_t(live->net->num_items())));
  for (const auto& s : live->net->similar(idx, want)) {
    const uint32_t store_id = live->to_store[static_cast<size_t>(s.item)];
    if (store_id && !im.eligible(store_id, filter)) continue;
    out->items.push_back({live->net->external_id(s.item), s.score, {}});
    if (out->items.size() == k) break;
  }
  out->strategy = "sasrec";
  out->model_version = live->version;
  return Status::ok();
}

Status Recommender::explain(std::string_view user, std::string_view item, Explanation* out) const {
  *out = {};
  const Impl& im = *impl_;
  if (!im.store->find_user(user)) return Status::not_found("no user " + quoted(user));
  const auto live = im.live.load();
  if (!live) return Status::unavailable("no model is trained yet; explanations need one");
  const int32_t idx = live->net->index_of(item);
  if (!idx) {
    if (!im.store->find_item(item)) return Status::not_found("no item " + quoted(item));
    return Status::conflict("item " + quoted(item) + " is newer than the live model");
  }
  std::vector<uint32_t> history;
  if (Status s = im.user_history(user, &history); !s.is_ok()) return s;
  Encoded enc;
  if (!encode(*live, history, &enc)) {
    return Status::conflict("none of the history of user " + quoted(user) + " is known to the live model");
  }
  const model::Explanation ex = live->net->explain(enc.items);
  out->model_version = live->version;
  out->score = dot(enc.user, live->net->item_embeddings().row(idx).data());
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

Status Recommender::search(const SearchRequest& request, SearchResults* out) const {
  *out = {};
  const Impl& im = *impl_;
  if (tokenize(request.query).empty()) {
    return Status::invalid_argument("`q` must contain at least one word");
  }
  if (request.query.size() > im.config.max_query_bytes) {
    return Status::invalid_argument("`q` is longer than " + std::to_string(im.config.max_query_bytes) + " bytes");
  }
  if (request.k < 1 || request.k > im.config.max_k) {
    return Status::invalid_argument("`k` must be between 1 and " + std::to_string(im.config.max_k));
  }
  if (request.personal_weight && !(*request.personal_weight >= 0 && *request.personal_weight <= 1)) {
    return Status::invalid_argument("`personal_weight` must be between 0 and 1");
  }
  ItemFilter filter;
  filter.tags = request.tags;
  const auto hits = im.search_index.search(request.query, std::max(request.k, im.config.search_candidates),
                                           [&](uint32_t doc) { return im.eligible(doc, filter); });
  out->strategy = "text";
  if (hits.empty()) return Status::ok();

  // The blend is a product of experts over the candidates: text relevance
  // (BM25F, a log-likelihood-like score) and the model's preference (its
  // logit for the item, a log-probability up to a constant) are added in the
  // log domain, (1 - w) * bm25 + w * logit, and normalised by a softmax over
  // the candidates. Unlike scaling each score to [0, 1] first, this keeps
  // both experts' confidence: a title that matches much better still wins
  // over a mild preference, and a strong preference decides among titles
  // that match about equally well (the usual case for a one-word query).
  std::vector<double> logit(hits.size(), 0.0);
  bool personalised = false;
  if (const auto live = im.live.load()) {
    std::vector<uint32_t> history;
    if (!request.user.empty()) {
      if (Status s = im.user_history(request.user, &history); !s.is_ok()) return s;
    } else {
      history = im.find_items(request.history);
    }
    Encoded enc;
    if (encode(*live, history, &enc)) {
      const auto E = live->net->item_embeddings();
      std::vector<bool> known(hits.size(), false);
      double sum = 0;
      size_t nknown = 0;
      for (size_t i = 0; i < hits.size(); ++i) {
        const int32_t idx = live->model_index(hits[i].doc);
        if (!idx) continue;
        logit[i] = dot(enc.user, E.row(idx).data());
        known[i] = true;
        sum += logit[i];
        ++nknown;
      }
      if (nknown > 0) {
        // Items the model has not seen yet (added since it was trained) get
        // the candidates' mean logit: neither pushed up nor buried.
        const double mean = sum / static_cast<double>(nknown);
        for (size_t i = 0; i < hits.size(); ++i) {
          if (!known[i]) logit[i] = mean;
        }
        personalised = true;
        out->strategy = "personalized";
        out->model_version = live->version;
      }
    }
  }
  const double w = personalised ? request.personal_weight.value_or(im.config.search_personal_weight) : 0.0;
  std::vector<double> blend(hits.size()), personal(hits.size(), 0.0);
  for (size_t i = 0; i < hits.size(); ++i) blend[i] = (1 - w) * hits[i].score + w * logit[i];
  softmax_in_place(blend);
  if (personalised) {
    personal = logit;
    softmax_in_place(personal);
  }
  out->items.reserve(hits.size());
  for (size_t i = 0; i < hits.size(); ++i) {
    SearchHit h;
    h.item = im.store->item_name(hits[i].doc);
    if (auto entry = im.catalog.find(hits[i].doc)) h.title = entry->title;
    h.text_score = hits[i].score;
    h.personal_score = personal[i];
    h.score = blend[i];
    out->items.push_back(std::move(h));
  }
  std::stable_sort(out->items.begin(), out->items.end(),
                   [](const SearchHit& a, const SearchHit& b) { return a.score > b.score; });
  if (out->items.size() > request.k) out->items.resize(request.k);
  return Status::ok();
}

}  // namespace attnrec::service
