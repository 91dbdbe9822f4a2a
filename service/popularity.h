// Recency-decayed item popularity, the fallback for users without history:
//   score(i, now) = sum over events e of i: max(w_e, 0) * 2^(-(now - ts_e) / H)
// kept as sum w_e * 2^((ts_e - origin) / H), so an event is added once and the
// ranking never needs re-decaying: the factor 2^(-(now - origin) / H) is the
// same for every item.
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

  // Calls fn(item, score at now_ms) from most to least popular, over items
  // with a positive score, until fn returns false.
  void for_each_ranked(int64_t now_ms,
                       const std::function<bool(uint32_t item, double score)>& fn) const;

  double score(uint32_t item, int64_t now_ms) const;

 private:
  double mass(int64_t ts_ms) const;
  std::shared_ptr<const std::vector<uint32_t>> ranking() const;

  const double half_life_ms_;
  const int64_t origin_ms_;
  const int64_t refresh_ms_;

  mutable std::shared_mutex mu_;
  std::vector<double> scores_;  // by internal item id; guarded by mu_
  mutable bool dirty_ = false;  // guarded by mu_

  mutable std::mutex ranking_mu_;
  mutable std::shared_ptr<const std::vector<uint32_t>> ranked_;  // guarded by ranking_mu_
  mutable int64_t ranked_at_ms_ = 0;                              // guarded by ranking_mu_
};

}  // namespace attnrec::service
