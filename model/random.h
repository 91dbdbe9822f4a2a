// A small, fast, seedable generator (xoshiro256**, seeded by SplitMix64).
// Training draws ~10^8 dropout bits per epoch, so std::mt19937 would cost
// seconds. Every stream is derived from (seed, purpose, epoch, index) so
// results do not depend on which thread processes which sequence.
#pragma once

#include <cstdint>

namespace attnrec::model {

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
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace attnrec::model
