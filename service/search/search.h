// Search: text retrieval over the catalog (search_index.h), re-ranked for a
// stored user or a session when the live model knows their history.
//
// The blend is a product of experts over the text candidates: text relevance
// (BM25F, a log-likelihood-like score) and the model's preference (its logit
// for the item, a log-probability up to a constant) are added in the log
// domain, (1 - w) * bm25 + w * logit, and normalised by a softmax over the
// candidates. Unlike scaling each score to [0, 1] first, this keeps both
// experts' confidence: a title that matches much better still wins over a
// mild preference, and a strong preference decides among titles that match
// about equally well (the usual case for a one-word query).
//
// Thread safety: const and safe from any number of threads at once.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "service/recommend/user_encoder.h"

namespace attnrec::storage { class Store; }

namespace attnrec::service {

struct Config;
class Catalog;
class EncoderCache;
class LiveModel;
class SearchIndex;

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

class Search {
 public:
  // Every reference must outlive this object.
  Search(const SearchIndex& index, const storage::Store& store, const Catalog& catalog,
         const LiveModel& live, EncoderCache& cache, const Config& config);

  // kInvalidArgument for an empty or over-long query, a bad k or weight.
  Status search(const SearchRequest& request, SearchResults* out) const;

 private:
  const SearchIndex& index_;
  const storage::Store& store_;
  const Catalog& catalog_;
  const LiveModel& live_;
  const Config& config_;
  const UserEncoder encoder_;
};

}  // namespace attnrec::service
