#include "service/recommend/encoder_cache.h"

#include <algorithm>

namespace attnrec::service {

EncoderCache::EncoderCache(size_t capacity)
    : capacity_(capacity),
      shard_capacity_(capacity == 0 ? 0 : std::max<size_t>(1, (capacity + kShards - 1) / kShards)),
      shards_(new Shard[kShards]) {}

uint64_t EncoderCache::epoch(uint32_t user) const {
  Shard& s = shard(user);
  std::lock_guard lock(s.mu);
  return s.epoch;
}

bool EncoderCache::get(uint32_t user, uint64_t model_serial, std::vector<float>* vec,
                       std::vector<uint32_t>* history, std::vector<uint32_t>* negatives) const {
  if (!enabled()) return false;
  Shard& s = shard(user);
  {
    std::lock_guard lock(s.mu);
    const auto it = s.by_user.find(user);
    if (it != s.by_user.end() && it->second->model_serial == model_serial) {
      s.lru.splice(s.lru.begin(), s.lru, it->second);
      vec->assign(it->second->vec.begin(), it->second->vec.end());
      history->assign(it->second->history.begin(), it->second->history.end());
      if (negatives) negatives->assign(it->second->negatives.begin(), it->second->negatives.end());
      hits_.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void EncoderCache::put(uint32_t user, uint64_t model_serial, uint64_t epoch,
                       std::span<const float> vec, std::span<const uint32_t> history,
                       std::span<const uint32_t> negatives) {
  if (!enabled()) return;
  Shard& s = shard(user);
  std::lock_guard lock(s.mu);
  if (s.epoch != epoch) return;  // the history changed while this was computed
  if (const auto it = s.by_user.find(user); it != s.by_user.end()) {
    it->second->model_serial = model_serial;
    it->second->vec.assign(vec.begin(), vec.end());
    it->second->history.assign(history.begin(), history.end());
    it->second->negatives.assign(negatives.begin(), negatives.end());
    s.lru.splice(s.lru.begin(), s.lru, it->second);
    return;
  }
  if (s.by_user.size() >= shard_capacity_) {  // evict the least recent
    s.by_user.erase(s.lru.back().user);
    s.lru.pop_back();
  }
  s.lru.push_front({user, model_serial, {vec.begin(), vec.end()}, {history.begin(), history.end()},
                    {negatives.begin(), negatives.end()}});
  s.by_user.emplace(user, s.lru.begin());
}

void EncoderCache::invalidate(uint32_t user) {
  if (!enabled()) return;
  Shard& s = shard(user);
  std::lock_guard lock(s.mu);
  ++s.epoch;
  if (const auto it = s.by_user.find(user); it != s.by_user.end()) {
    s.lru.erase(it->second);
    s.by_user.erase(it);
  }
}

void EncoderCache::clear() {
  for (size_t i = 0; i < kShards; ++i) {
    Shard& s = shards_[i];
    std::lock_guard lock(s.mu);
    ++s.epoch;
    s.lru.clear();
    s.by_user.clear();
  }
}

EncoderCache::Stats EncoderCache::stats() const {
  Stats out;
  out.hits = hits_.load(std::memory_order_relaxed);
  out.misses = misses_.load(std::memory_order_relaxed);
  out.capacity = capacity_;
  for (size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    out.entries += shards_[i].by_user.size();
  }
  return out;
}

}  // namespace attnrec::service
