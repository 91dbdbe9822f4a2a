// Tests of service/recommend/encoder_cache.*: bounds, freshness, counters.
#include <atomic>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

namespace {
const std::vector<uint32_t> hist{4, 8, 15};
}

#include "service/recommend/encoder_cache.h"

using attnrec::service::EncoderCache;

TEST_CASE("the encoder cache keeps at most its capacity, evicting the least recent", "[encoder_cache]") {
  EncoderCache cache(16);  // one entry per shard (16 shards)
  std::vector<float> v;
  std::vector<uint32_t> h;
  const std::vector<float> a{1, 2}, b{3, 4};
  cache.put(1, 7, cache.epoch(1), a, hist);
  REQUIRE(cache.get(1, 7, &v, &h));
  CHECK(v == a);
  CHECK(h == hist);
  cache.put(17, 7, cache.epoch(17), b, hist);  // the same shard as user 1: evicts it
  CHECK_FALSE(cache.get(1, 7, &v, &h));
  REQUIRE(cache.get(17, 7, &v, &h));
  CHECK(v == b);
  for (uint32_t u = 100; u < 200; ++u) cache.put(u, 7, cache.epoch(u), a, hist);
  CHECK(cache.stats().entries <= 16);
  CHECK(cache.stats().capacity == 16);
}

TEST_CASE("the encoder cache never serves another model's vector or a stale history", "[encoder_cache]") {
  EncoderCache cache(1000);
  std::vector<float> v;
  std::vector<uint32_t> h;
  const std::vector<float> a{1, 2};
  cache.put(5, 1, cache.epoch(5), a, hist);
  CHECK_FALSE(cache.get(5, 2, &v, &h));  // model 2 did not compute it
  CHECK(cache.get(5, 1, &v, &h));

  cache.invalidate(5);  // the history changed
  CHECK_FALSE(cache.get(5, 1, &v, &h));

  // A vector computed from a history read before an invalidation is refused.
  const uint64_t epoch = cache.epoch(5);
  cache.invalidate(5);
  cache.put(5, 1, epoch, a, hist);
  CHECK_FALSE(cache.get(5, 1, &v, &h));

  cache.put(5, 1, cache.epoch(5), a, hist);
  cache.clear();  // a model swap
  CHECK_FALSE(cache.get(5, 1, &v, &h));
  CHECK(cache.stats().entries == 0);

  const auto s = cache.stats();
  CHECK(s.hits == 1);
  CHECK(s.misses == 4);
}

TEST_CASE("an encoder cache of capacity 0 is off", "[encoder_cache]") {
  EncoderCache cache(0);
  std::vector<float> v;
  std::vector<uint32_t> h;
  cache.put(1, 1, cache.epoch(1), std::vector<float>{1}, hist);
  CHECK_FALSE(cache.enabled());
  CHECK_FALSE(cache.get(1, 1, &v, &h));
  CHECK(cache.stats().entries == 0);
  CHECK(cache.stats().misses == 0);
}

TEST_CASE("the encoder cache is safe under concurrent use", "[encoder_cache][concurrency]") {
  EncoderCache cache(64);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};  // counted here: Catch2 asserts from one thread only
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, &wrong, t] {
      std::vector<float> v;
      std::vector<uint32_t> h;
      const std::vector<float> mine(8, float(t));
      for (uint32_t i = 0; i < 5000; ++i) {
        const uint32_t user = (i * 7 + uint32_t(t)) % 200;
        if (cache.get(user, 1, &v, &h) && (v.size() != 8 || h != hist)) ++wrong;
        if (i % 5 == 0) cache.invalidate(user);
        cache.put(user, 1, cache.epoch(user), mine, hist);
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong.load() == 0);
  CHECK(cache.stats().entries <= 64);
}
