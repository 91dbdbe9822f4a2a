#include "service/popularity.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace attnrec::service {
namespace {

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Popularity::Popularity(double half_life_days, int64_t origin_ms, int64_t refresh_ms)
    : half_life_ms_(half_life_days * 86400e3), origin_ms_(origin_ms), refresh_ms_(refresh_ms) {}

double Popularity::mass(int64_t ts_ms) const {
  // Clamp the exponent: far-future timestamps must not overflow to infinity.
  const double e = std::min(static_cast<double>(ts_ms - origin_ms_) / half_life_ms_, 900.0);
  return std::exp2(e);
}

void Popularity::add(uint32_t item, int64_t ts_ms, float weight, int sign) {
  const double m = std::max(0.0f, weight) * mass(ts_ms) * sign;
  std::unique_lock lock(mu_);
  if (item >= scores_.size()) scores_.resize(item + 1, 0.0);
  const double before = scores_[item];
  double after = before + m;
  // Removing what was added must reach zero, not a rounding residue that
  // would keep an item ranked.
  if (sign < 0 && after <= 1e-9 * std::max(before, -m)) after = 0;
  scores_[item] = std::max(0.0, after);
  dirty_ = true;
}

double Popularity::score(uint32_t item, int64_t now_ms) const {
  std::shared_lock lock(mu_);
  if (item >= scores_.size()) return 0;
  return scores_[item] / mass(now_ms);
}

std::shared_ptr<const std::vector<uint32_t>> Popularity::ranking() const {
  std::lock_guard ranking_lock(ranking_mu_);
  const int64_t now = steady_ms();
  bool rebuild = ranked_ == nullptr;
  if (!rebuild && now - ranked_at_ms_ >= refresh_ms_) {
    std::shared_lock lock(mu_);
    rebuild = dirty_;
  }
  if (rebuild) {
    std::vector<uint32_t> order;
    {
      std::unique_lock lock(mu_);  // dirty_ is reset under the writers' lock
      order.reserve(scores_.size());
      for (uint32_t i = 0; i < scores_.size(); ++i) {
        if (scores_[i] > 0) order.push_back(i);
      }
      std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        return scores_[a] != scores_[b] ? scores_[a] > scores_[b] : a < b;
      });
      dirty_ = false;
    }
    ranked_ = std::make_shared<const std::vector<uint32_t>>(std::move(order));
    ranked_at_ms_ = now;
  }
  return ranked_;
}

void Popularity::for_each_ranked(int64_t now_ms,
                                 const std::function<bool(uint32_t, double)>& fn) const {
  const auto order = ranking();
  for (uint32_t item : *order) {
    if (!fn(item, score(item, now_ms))) return;
  }
}

}  // namespace attnrec::service
