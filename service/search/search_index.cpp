#include "service/search/search_index.h"

#include <algorithm>
#include <cmath>

#include "service/search/text.h"

namespace attnrec::service {

SearchIndex::SearchIndex(SearchOptions options) : options_(options) {}

size_t SearchIndex::size() const {
  std::shared_lock lock(mu_);
  return docs_.size();
}

void SearchIndex::upsert(uint32_t doc, const Item& item) {
  // Tokenise outside the lock: it is the expensive part.
  std::unordered_map<std::string, float> tf;
  float length = 0;
  auto add = [&](std::string_view text, double weight) {
    for (auto& token : tokenize(text)) {
      tf[std::move(token)] += static_cast<float>(weight);
      length += static_cast<float>(weight);
    }
  };
  add(item.title, options_.title_weight);
  for (const auto& tag : item.tags) add(tag, options_.tags_weight);
  add(item.text, options_.text_weight);

  std::unique_lock lock(mu_);
  remove_locked(doc);
  Doc& d = docs_[doc];
  d.length = length;
  total_length_ += length;
  d.terms.reserve(tf.size());
  for (auto& [term, freq] : tf) {
    terms_[term].push_back({doc, freq});
    d.terms.push_back(term);
  }
}

void SearchIndex::remove(uint32_t doc) {
  std::unique_lock lock(mu_);
  remove_locked(doc);
}

void SearchIndex::remove_locked(uint32_t doc) {
  auto it = docs_.find(doc);
  if (it == docs_.end()) return;
  for (const auto& term : it->second.terms) {
    auto t = terms_.find(term);
    if (t == terms_.end()) continue;
    auto& postings = t->second;
    postings.erase(std::remove_if(postings.begin(), postings.end(),
                                  [&](const Posting& p) { return p.doc == doc; }),
                   postings.end());
    if (postings.empty()) terms_.erase(t);
  }
  total_length_ -= it->second.length;
  docs_.erase(it);
}

void SearchIndex::score_term(const std::vector<Posting>& postings, double weight,
                             std::unordered_map<uint32_t, double>* best) const {
  const double n = static_cast<double>(docs_.size());
  const double df = static_cast<double>(postings.size());
  const double idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
  const double avgdl = n > 0 ? std::max(total_length_ / n, 1e-9) : 1.0;
  for (const Posting& p : postings) {
    const double dl = docs_.at(p.doc).length;
    const double tf = p.tf;
    const double s = weight * idf * tf * (options_.k1 + 1) /
                     (tf + options_.k1 * (1 - options_.b + options_.b * dl / avgdl));
    double& slot = (*best)[p.doc];
    slot = std::max(slot, s);
  }
}

std::vector<SearchIndex::Hit> SearchIndex::search(std::string_view query, size_t n,
                                                  const std::function<bool(uint32_t)>& keep) const {
  std::vector<std::string> tokens = tokenize(query);
  if (tokens.empty() || n == 0) return {};
  // The last token is still being typed unless a separator follows it.
  const bool last_is_prefix = !query.empty() && tokenize(query.substr(query.size() - 1)).size() == 1;
  std::vector<bool> prefix(tokens.size(), false);
  prefix.back() = last_is_prefix;
  {
    std::vector<std::string> kept;
    std::vector<bool> kept_prefix;
    for (size_t i = 0; i < tokens.size(); ++i) {
      // A stop word being typed may be the start of a real word ("the" -> "theater").
      if (!is_stop_word(tokens[i]) || prefix[i]) {
        kept.push_back(tokens[i]);
        kept_prefix.push_back(prefix[i]);
      }
    }
    if (!kept.empty()) {
      tokens = std::move(kept);
      prefix = std::move(kept_prefix);
    }
  }

  std::shared_lock lock(mu_);
  std::unordered_map<uint32_t, double> total;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& token = tokens[i];
    std::unordered_map<uint32_t, double> best;  // this token's best match per doc
    auto exact = terms_.find(token);
    if (exact != terms_.end()) score_term(exact->second, 1.0, &best);
    if (prefix[i]) {
      size_t expanded = 0;
      for (auto it = terms_.upper_bound(token);
           it != terms_.end() && it->first.compare(0, token.size(), token) == 0 &&
           expanded < options_.max_prefix_expansions;
           ++it, ++expanded) {
        score_term(it->second, options_.prefix_weight, &best);
      }
    }
    if (exact == terms_.end() && token.size() >= options_.min_typo_bytes) {
      for (const auto& [term, postings] : terms_) {
        if (term.size() + 1 >= token.size() && term.size() <= token.size() + 1 &&
            within_one_edit(term, token)) {
          score_term(postings, options_.typo_weight, &best);
        }
      }
    }
    for (const auto& [doc, s] : best) total[doc] += s;
  }

  std::vector<Hit> hits;
  hits.reserve(total.size());
  for (const auto& [doc, s] : total) {
    if (!keep || keep(doc)) hits.push_back({doc, s});
  }
  auto better = [](const Hit& a, const Hit& b) { return a.score != b.score ? a.score > b.score : a.doc < b.doc; };
  if (hits.size() > n) {
    std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(n), hits.end(), better);
    hits.resize(n);
  } else {
    std::sort(hits.begin(), hits.end(), better);
  }
  return hits;
}

}  // namespace attnrec::service
