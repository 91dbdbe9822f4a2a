// Full-text retrieval over the catalog: an in-memory inverted index over each
// item's title, tags and text, scored with BM25F (field-weighted term
// frequencies, one length normalisation).
//
// Query semantics: tokens are folded (see service/text.h); stop words are
// dropped unless the query has nothing else; every remaining token adds its
// best-matching term's score (OR semantics, documents matching more tokens
// rank higher). The last token also matches as a prefix when the query does
// not end in a separator (search-as-you-type). A token of 5+ bytes that is not
// in the vocabulary matches terms one typo away. Expanded matches are scored
// lower than exact ones (prefix_weight, typo_weight).
//
// Thread safety: search() may run concurrently with itself; upsert() and
// remove() take an exclusive lock and are visible to the next search().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "service/item.h"

namespace attnrec::service {

struct SearchOptions {
  double k1 = 1.2;
  double b = 0.75;
  double title_weight = 3.0;
  double tags_weight = 2.0;
  double text_weight = 1.0;
  double prefix_weight = 0.8;  // a prefix expansion scores this share of an exact match
  double typo_weight = 0.6;    // a one-typo match scores this share
  size_t max_prefix_expansions = 64;
  size_t min_typo_bytes = 5;
};

class SearchIndex {
 public:
  struct Hit {
    uint32_t doc = 0;
    double score = 0;
  };

  explicit SearchIndex(SearchOptions options = {});

  // Indexes (or re-indexes) one item under its internal id.
  void upsert(uint32_t doc, const Item& item);
  void remove(uint32_t doc);
  size_t size() const;

  // The best `n` documents for the query among those `keep` accepts (all
  // when empty), best first; ties by doc id. Empty when nothing matches.
  std::vector<Hit> search(std::string_view query, size_t n,
                          const std::function<bool(uint32_t)>& keep = {}) const;

 private:
  struct Posting {
    uint32_t doc;
    float tf;  // field-weighted term frequency
  };
  struct Doc {
    float length = 0;                // field-weighted token count
    std::vector<std::string> terms;  // distinct terms, to remove postings
  };

  void remove_locked(uint32_t doc);
  // For each posting of a term: best[doc] = max(best[doc], weight * BM25).
  void score_term(const std::vector<Posting>& postings, double weight,
                  std::unordered_map<uint32_t, double>* best) const;

  const SearchOptions options_;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::vector<Posting>, std::less<>> terms_;  // guarded by mu_
  std::unordered_map<uint32_t, Doc> docs_;                          // guarded by mu_
  double total_length_ = 0;                                         // guarded by mu_
};

}  // namespace attnrec::service
