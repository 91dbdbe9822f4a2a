// attnrec's one pseudo-random generator: xoshiro256** seeded by SplitMix64.
// Fast (training draws ~10^8 dropout bits per epoch, so std::mt19937 would
// cost seconds) and, being written here, the same sequence on every platform
// and standard library, which the demo data's byte-identical files rely on.
// Every stream is derived from keys (seed, purpose, epoch, index) with
// mix_seed, so results do not depend on which thread draws them.
// below64, between, chance, shuffle and WeightedChoice use integers only
// (exact rejection sampling), so their results are the same everywhere.
//
// Thread safety: an Rng is used by one thread at a time; a WeightedChoice
// is immutable once built and may be shared.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

namespace attnrec {

// Advances x and returns the next SplitMix64 output (also a good 64-bit mixer).
inline uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Mixes several keys into one seed.
inline uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c = 0, uint64_t d = 0) {
  uint64_t x = a;
  uint64_t h = splitmix64(x);
  x = h ^ b; h = splitmix64(x);
  x = h ^ c; h = splitmix64(x);
  x = h ^ d; h = splitmix64(x);
  return h;
}

class Rng {
 public:
  explicit Rng(uint64_t seed = 1) { reseed(seed); }
  void reseed(uint64_t seed) {
    for (auto& v : s_) v = splitmix64(seed);
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0]; s_[3] ^= s_[1]; s_[1] ^= s_[2]; s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n), n > 0 (Lemire's multiply-shift; bias < n / 2^64).
  uint32_t below(uint32_t n) {
    __extension__ using U128 = unsigned __int128;
    return uint32_t(U128(next()) * n >> 64);
  }
  // Uniform in [0, n), n > 0, exactly: rejection keeps every value equally
  // likely (for 64-bit ranges, where below()'s bias could show).
  uint64_t below64(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x = next();
    while (x >= limit) x = next();
    return x % n;
  }
  // Uniform in [lo, hi], inclusive.
  int64_t between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(below64(static_cast<uint64_t>(hi - lo) + 1));
  }
  // True with probability per_mille / 1000.
  bool chance(uint64_t per_mille) { return below64(1000) < per_mille; }
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }
  // Fisher-Yates.
  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below64(i)]);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Picks index i with probability weight[i] / sum(weights), exactly (integer
// weights, one below64 draw and a binary search).
class WeightedChoice {
 public:
  WeightedChoice() = default;
  WeightedChoice(std::initializer_list<uint64_t> weights) {
    for (uint64_t w : weights) add(w);
  }
  // The next index gets `weight` (0: never picked).
  void add(uint64_t weight) {
    total_ += weight;
    cumulative_.push_back(total_);
  }
  // Precondition: !empty().
  size_t pick(Rng& rng) const {
    assert(total_ > 0);
    const uint64_t r = rng.below64(total_);
    return static_cast<size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), r) -
                               cumulative_.begin());
  }
  bool empty() const { return total_ == 0; }  // no weight at all

 private:
  std::vector<uint64_t> cumulative_;
  uint64_t total_ = 0;
};

}  // namespace attnrec
