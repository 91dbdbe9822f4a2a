// The service's vocabulary: what callers send and get back. Plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

namespace attnrec::service {

// One interaction as a caller sends it (validated by Recommender::ingest).
struct EventInput {
  std::string user;              // 1-256 bytes of UTF-8
  std::string item;              // 1-256 bytes of UTF-8
  std::string type = "view";     // 1-32 chars of [a-z0-9_-]
  std::optional<int64_t> ts_ms;  // unix milliseconds; absent = now
  float weight = 1.0f;           // finite
  std::string id;                // idempotency key, optional (<= 256 bytes)
};

struct IngestResult {
  size_t accepted = 0;    // new events stored
  size_t duplicates = 0;  // events whose id was seen before (accepted once)
};

// A catalog entry.
struct Item {
  std::string id;
  std::string title;
  std::string text;
  std::vector<std::string> tags;
  boost::json::object attributes;
  bool available = true;
  int64_t updated_ms = 0;  // set by the service on upsert
};

// One event of a user's history, as returned to callers.
struct HistoryEvent {
  std::string item;
  std::string type;
  int64_t ts_ms = 0;
  float weight = 1.0f;
};

struct RecommendRequest {
  std::string user;                   // stored user, or empty for a session
  std::vector<std::string> history;   // session history (used when user is empty)
  size_t k = 10;                      // 1..max_k
  bool exclude_seen = true;           // leave out items in the history
  std::vector<std::string> tags;      // keep items having any of these tags
  std::vector<std::string> exclude;   // items to leave out
  bool explain = false;
};

struct ScoredItem {
  std::string item;
  double score = 0;
  std::vector<std::string> because;   // with explain: top contributing history items
};

struct Recommendations {
  std::string strategy;         // "popularity" (recency-decayed) or "sasrec"
  std::string model_version;    // empty for popularity
  std::vector<ScoredItem> items;
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

struct Explanation {
  std::string model_version;
  double score = 0;                                        // the item's model score
  std::vector<std::vector<std::vector<AttentionWeight>>> layers;  // [layer][head][position]
};

struct SearchRequest {
  std::string query;
  std::string user;                   // optional: personalise for this user
  std::vector<std::string> history;   // optional: or for this session
  size_t k = 10;
  std::vector<std::string> tags;
  std::optional<double> personal_weight;  // 0..1; default Config::search_personal_weight
};

struct SearchHit {
  std::string item;
  std::string title;
  // softmax over the candidates of (1 - w) * text_score + w * logit, where
  // logit is the model's score of the item for the user; results are ordered
  // by it, and it sums to 1 over the candidates.
  double score = 0;
  double text_score = 0;      // BM25F of the item for the query
  double personal_score = 0;  // softmax of the model's logits over the candidates (0 without a model)
};

struct SearchResults {
  std::string strategy;       // "text" or "personalized"
  std::string model_version;
  std::vector<SearchHit> items;
};

struct ServiceStats {
  uint64_t users = 0;
  uint64_t items = 0;
  uint64_t events = 0;
  uint64_t catalog_items = 0;
  uint64_t disk_bytes = 0;
};

}  // namespace attnrec::service
