// EncoderCache: each stored user's encoder output (the user vector) under one
// model, with the history it was computed from (store ids, for excluding
// seen items) and the items the user marked negative (never recommended), so that a repeated recommendation skips both the store read
// and the forward pass. Bounded (LRU over `capacity` users; 0 turns it off),
// sharded by user. An entry costs about 4 * (d + history length + negative
// items) bytes plus ~100 of bookkeeping.
//
// Freshness: an entry is dropped when the user's history changes
// (invalidate, called after an ingest or erase is stored) and never served
// for another model than the one that computed it (each entry carries the
// model's serial; the service also clears the cache on a model swap). A put
// after a concurrent invalidate is ignored: callers read epoch() before they
// read the history, and put() keeps the vector only if no invalidation of
// the user's shard happened since.
//
// Thread safety: every method may be called from any number of threads.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

namespace attnrec::service {

class EncoderCache {
 public:
  explicit EncoderCache(size_t capacity);

  bool enabled() const { return capacity_ > 0; }
  // To pass to put(); read before the user's history is read.
  uint64_t epoch(uint32_t user) const;
  // The vector `model_serial` computed for `user`, the history it came from
  // and the user's negative items (when `negatives` is not null); false on a miss.
  bool get(uint32_t user, uint64_t model_serial, std::vector<float>* vec,
           std::vector<uint32_t>* history, std::vector<uint32_t>* negatives = nullptr) const;
  // Keeps `vec`, `history` and `negatives` unless `user` was invalidated
  // since `epoch` was read.
  void put(uint32_t user, uint64_t model_serial, uint64_t epoch, std::span<const float> vec,
           std::span<const uint32_t> history, std::span<const uint32_t> negatives = {});
  void invalidate(uint32_t user);
  void clear();

  struct Stats {
    uint64_t hits = 0, misses = 0, entries = 0, capacity = 0;
  };
  Stats stats() const;

 private:
  static constexpr size_t kShards = 16;
  struct Entry {
    uint32_t user = 0;
    uint64_t model_serial = 0;
    std::vector<float> vec;
    std::vector<uint32_t> history;
    std::vector<uint32_t> negatives;
  };
  struct Shard {
    mutable std::mutex mu;
    std::list<Entry> lru;  // most recent first; guarded by mu
    std::unordered_map<uint32_t, std::list<Entry>::iterator> by_user;  // guarded by mu
    uint64_t epoch = 0;    // bumped by every invalidation in the shard; guarded by mu
  };
  Shard& shard(uint32_t user) const { return shards_[user % kShards]; }

  const size_t capacity_;
  const size_t shard_capacity_;
  std::unique_ptr<Shard[]> shards_;
  mutable std::atomic<uint64_t> hits_{0}, misses_{0};
};

}  // namespace attnrec::service
