// Recommender: the answers that rank items for a history with the live model
// (recommendations for a user or a session, ranking of candidates, similar
// items, attention explanations), each falling back to recency-decayed
// popularity where the model cannot help, and saying which strategy answered.
//
// Thread safety: const and safe from any number of threads at once; reads
// the live model once per call, so a swap never mixes two models in one answer.
// Users are encoded through the encoder cache (UserEncoder); filters come
// from the catalog snapshot (ItemFilter).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "service/recommend/item_filter.h"
#include "service/recommend/user_encoder.h"

namespace attnrec::storage { class Store; }

namespace attnrec::service {

struct Config;
class Catalog;
class LiveModel;
class Popularity;
class ItemFilter;
class EncoderCache;

struct RecommendRequest {
  std::string user;                   // stored user, or empty for a session
  std::vector<std::string> history;   // session history (used when user is empty)
  size_t k = 10;                      // 1..max_k
  bool exclude_seen = true;           // leave out items in the history
  std::vector<std::string> tags;      // keep items having any of these tags
  std::vector<std::string> exclude;   // items to leave out
  bool explain = false;
};

struct RecommendedItem {
  std::string item;
  double score = 0;
  std::vector<std::string> because;   // with explain: top contributing history items
};

struct Recommendations {
  std::string strategy;         // "popularity" (recency-decayed) or "sasrec"
  std::string model_version;    // empty for popularity
  std::vector<RecommendedItem> items;
};

// POST /v1/rank: order candidates for a stored user or a session history.
struct RankRequest {
  std::string user;                  // stored user, or empty for `history`
  std::vector<std::string> history;
  std::vector<std::string> items;    // the candidates
};

struct RankedItem {
  std::string item;
  double score = 0;
  bool fallback = false;  // the model does not know the item: popularity score, ranked after
};

struct RankResults {
  std::string strategy;       // "sasrec" or "popularity"
  std::string model_version;
  std::vector<RankedItem> items;
};

// Attention of the last history position on one earlier history item.
struct AttentionWeight {
  std::string item;
  int position = 0;   // index in the user's history as used, 0 = oldest
  double weight = 0;
};

// The attention map behind one recommendation.
struct AttentionMap {
  std::string model_version;
  double score = 0;                                        // the item's model score
  std::vector<std::vector<std::vector<AttentionWeight>>> layers;  // [layer][head][position]
};

class Recommender {
 public:
  // Most candidates one rank request may carry.
  static constexpr size_t kMaxRankCandidates = 10000;

  // Every reference must outlive this object.
  Recommender(const storage::Store& store, const Catalog& catalog, const Popularity& popularity,
              const LiveModel& live, EncoderCache& cache, const Config& config);

  // Top-k for a stored user or a session history. Unknown users and empty
  // histories get the popularity fallback (strategy says so).
  Status recommend(const RecommendRequest& request, Recommendations* out) const;

  // Ranks candidates (all of them come back). Items the model does not know
  // come last, scored by popularity and marked `fallback`.
  Status rank(const RankRequest& request, RankResults* out) const;

  // Nearest items by embedding cosine. kNotFound for an unknown item;
  // kUnavailable when no model is loaded; kConflict when the model does not
  // know the item yet (added after training).
  Status similar(std::string_view item, size_t k, Recommendations* out) const;

  // Attention of the user's last history position, per layer and head, and
  // the item's score. kNotFound for unknown users/items, kUnavailable without
  // a model.
  Status explain(std::string_view user, std::string_view item, AttentionMap* out) const;

 private:
  void popular(size_t k, const ItemFilter& filter, Recommendations* out) const;

  const storage::Store& store_;
  const Catalog& catalog_;
  const Popularity& popularity_;
  const LiveModel& live_;
  const Config& config_;
  const UserEncoder encoder_;
  const EligibleCache eligible_;
};

}  // namespace attnrec::service
