#include "service/popularity.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace attnrec::service {
namespace {

constexpr double kNone = -std::numeric_limits<double>::infinity();

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// log2(2^a + 2^b) without overflow.
double log2_add(double a, double b) {
  if (a == kNone) return b;
  if (b == kNone) return a;
  const double hi = std::max(a, b), lo = std::min(a, b);
  return hi + std::log2(1.0 + std::exp2(lo - hi));
}

// log2(2^a - 2^b); nothing left when b >= a up to rounding.
double log2_sub(double a, double b) {
  if (b == kNone) return a;
  if (a == kNone || b >= a - 1e-9) return kNone;
  return a + std::log2(1.0 - std::exp2(b - a));
}

}  // namespace

Popularity::Popularity(double half_life_days, int64_t origin_ms, int64_t refresh_ms)
    : half_life_ms_(half_life_days * 86400e3),
      origin_ms_(origin_ms),
      refresh_ms_(refresh_ms),
      newest_ms_(std::numeric_limits<int64_t>::min()) {}

double Popularity::exponent(int64_t ts_ms) const {
  // Far-future timestamps (bad clocks) count as a year ahead: scores stay
  // finite, and a removal computes the same term as the addition did.
  constexpr int64_t kYear = 365LL * 86400000;
  return static_cast<double>(std::min(ts_ms, origin_ms_ + kYear) - origin_ms_) / half_life_ms_;
}

void Popularity::add(uint32_t item, int64_t ts_ms, float weight, int sign) {
  if (!(weight > 0)) return;
  const double term = std::log2(static_cast<double>(weight)) + exponent(ts_ms);
  std::unique_lock lock(mu_);
  if (item >= log_scores_.size()) log_scores_.resize(item + 1, kNone);
  double& s = log_scores_[item];
  s = sign > 0 ? log2_add(s, term) : log2_sub(s, term);
  // Events from the future (clock skew) do not move the reference past now.
  if (sign > 0) newest_ms_ = std::max(newest_ms_, std::min(ts_ms, wall_ms()));
  dirty_ = true;
}

double Popularity::score_locked(uint32_t item) const {
  if (item >= log_scores_.size() || log_scores_[item] == kNone) return 0;
  return std::exp2(log_scores_[item] - exponent(newest_ms_));
}

double Popularity::score(uint32_t item) const {
  std::shared_lock lock(mu_);
  return score_locked(item);
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
      order.reserve(log_scores_.size());
      for (uint32_t i = 0; i < log_scores_.size(); ++i) {
        if (log_scores_[i] != kNone) order.push_back(i);
      }
      std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        return log_scores_[a] != log_scores_[b] ? log_scores_[a] > log_scores_[b] : a < b;
      });
      dirty_ = false;
    }
    ranked_ = std::make_shared<const std::vector<uint32_t>>(std::move(order));
    ranked_at_ms_ = now;
  }
  return ranked_;
}

void Popularity::for_each_ranked(const std::function<bool(uint32_t, double)>& fn) const {
  const auto order = ranking();
  std::shared_lock lock(mu_);
  for (uint32_t item : *order) {
    if (!fn(item, score_locked(item))) return;
  }
}

}  // namespace attnrec::service
