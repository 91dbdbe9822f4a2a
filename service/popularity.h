// Recency-decayed item popularity, the fallback for users without history:
//   score(i) = sum over events e of i: max(w_e, 0) * 2^(-(t_ref - ts_e) / H)
// with H the half-life and t_ref the newest event time seen (capped at now),
// so a store of old events (MovieLens ratings from 2000) still ranks by
// recency among themselves instead of decaying to nothing.
//
// Scores are kept in the log2 domain, log2(sum w * 2^((ts - origin) / H)): an
// event is added once, no sum overflows or underflows however old or new it
// is, and the ranking never needs re-decaying (the factor to t_ref is the
// same for every item).
//
// Thread safety: all methods may be called concurrently. The ranking is a
// cached snapshot rebuilt at most once per `refresh_ms` when scores changed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace attnrec::service {

class Popularity {
 public:
  Popularity(double half_life_days, int64_t origin_ms, int64_t refresh_ms = 1000);

  // Adds (or, with a negative sign, removes) one event's contribution.
  void add(uint32_t item, int64_t ts_ms, float weight, int sign = +1);

  // Calls fn(item, score) from most to least popular, over items with a
  // positive score, until fn returns false.
  void for_each_ranked(const std::function<bool(uint32_t item, double score)>& fn) const;

  // The item's score now (0 for unknown items).
  double score(uint32_t item) const;

 private:
  double exponent(int64_t ts_ms) const;  // (ts - origin) / H
  double score_locked(uint32_t item) const;
  std::shared_ptr<const std::vector<uint32_t>> ranking() const;

  const double half_life_ms_;
  const int64_t origin_ms_;
  const int64_t refresh_ms_;

  mutable std::shared_mutex mu_;
  std::vector<double> log_scores_;  // log2 of the sum; -inf = nothing; guarded by mu_
  int64_t newest_ms_;               // guarded by mu_
  mutable bool dirty_ = false;      // guarded by mu_

  mutable std::mutex ranking_mu_;
  mutable std::shared_ptr<const std::vector<uint32_t>> ranked_;  // guarded by ranking_mu_
  mutable int64_t ranked_at_ms_ = 0;                              // guarded by ranking_mu_
};

}  // namespace attnrec::service
