#include "service/search/search.h"

#include <algorithm>
#include <cmath>

#include "service/catalog.h"
#include "service/config.h"
#include "service/recommend/item_filter.h"
#include "service/recommend/user_encoder.h"
#include "service/search/search_index.h"
#include "service/search/text.h"
#include "service/training/live_model.h"
#include "service/validate.h"
#include "storage/store.h"

namespace attnrec::service {
namespace {

// v[i] = exp(v[i] - max) / sum_j exp(v[j] - max).
void softmax_in_place(std::vector<double>& v) {
  if (v.empty()) return;
  const double mx = *std::max_element(v.begin(), v.end());
  double sum = 0;
  for (double& x : v) sum += (x = std::exp(x - mx));
  for (double& x : v) x /= sum;
}

}  // namespace

Search::Search(const SearchIndex& index, const storage::Store& store, const Catalog& catalog,
               const LiveModel& live, EncoderCache& cache, const Config& config)
    : index_(index),
      store_(store),
      catalog_(catalog),
      live_(live),
      config_(config),
      encoder_(store, cache, config.history_cap, config.types) {}

Status Search::search(const SearchRequest& request, SearchResults* out) const {
  *out = {};
  // The length first: tokenising costs in proportion to it.
  if (request.query.size() > config_.max_query_bytes) {
    return Status::invalid_argument("`q` is longer than " + std::to_string(config_.max_query_bytes) + " bytes");
  }
  if (tokenize(request.query).empty()) {
    return Status::invalid_argument("`q` must contain at least one word");
  }
  if (Status s = check_k(request.k, config_.max_k); !s.is_ok()) return s;
  if (Status s = check_user_or_history(request.user, request.history, config_.history_cap); !s.is_ok()) return s;
  if (request.personal_weight && !(*request.personal_weight >= 0 && *request.personal_weight <= 1)) {
    return Status::invalid_argument("`personal_weight` must be between 0 and 1");
  }
  // The user first: the items they marked negative are never results.
  const auto live = live_.load();
  EncodedUser enc;
  if (live || !request.user.empty()) {
    if (Status s = encoder_.encode(live.get(), request.user, request.history, &enc); !s.is_ok()) return s;
  }
  const ItemFilter filter(catalog_.snapshot(), request.tags, enc.negatives);
  const auto hits = index_.search(request.query, std::max(request.k, config_.search_candidates),
                                  [&](uint32_t doc) { return filter.accepts(doc); });
  out->strategy = "text";
  if (hits.empty()) return Status::ok();

  // The model's logit of every candidate it knows (see the header for the blend).
  std::vector<double> logit(hits.size(), 0.0);
  bool personalised = false;
  if (live) {
    if (enc.encoded()) {
      std::vector<int32_t> indices(hits.size());
      for (size_t i = 0; i < hits.size(); ++i) indices[i] = live->model_index(hits[i].doc);
      std::vector<float> scores(hits.size());
      live->net->score(enc.vec, indices, scores);
      double sum = 0;
      size_t known = 0;
      for (size_t i = 0; i < hits.size(); ++i) {
        if (!indices[i]) continue;
        logit[i] = scores[i];
        sum += logit[i];
        ++known;
      }
      if (known > 0) {
        // Items the model has not seen yet (added since it was trained) get
        // the candidates' mean logit: neither pushed up nor buried.
        const double mean = sum / static_cast<double>(known);
        for (size_t i = 0; i < hits.size(); ++i) {
          if (!indices[i]) logit[i] = mean;
        }
        personalised = true;
        out->strategy = "personalized";
        out->model_version = live->version;
      }
    }
  }
  const double w = personalised ? request.personal_weight.value_or(config_.search_personal_weight) : 0.0;
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
    h.item = store_.item_name(hits[i].doc);
    if (auto entry = catalog_.find(hits[i].doc)) h.title = entry->title;
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
