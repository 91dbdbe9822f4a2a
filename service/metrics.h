// Process metrics in the Prometheus text format (version 0.0.4).
//
// Thread safety: all methods may be called concurrently. Request
// observations take one mutex over the map of series (method, route,
// status); rendering copies the map under it. Event counters are atomics.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>


namespace attnrec::service {

// The store's gauges, as /metrics shows them.
struct ServiceStats {
  uint64_t users = 0;          // users ever assigned an id
  uint64_t items = 0;          // items ever assigned an id
  uint64_t events = 0;         // events stored
  uint64_t catalog_items = 0;  // items with a catalog entry
  uint64_t disk_bytes = 0;
};

class Metrics {
 public:
  // Latency buckets (seconds) of attnrec_http_request_duration_seconds.
  static constexpr std::array<double, 12> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};

  // One finished HTTP request. `route` is the route template
  // ("/v1/users/{user}/history"), never the raw path, to bound cardinality.
  void observe_request(std::string_view method, std::string_view route, int status,
                       double seconds);
  void add_events_ingested(uint64_t n) { events_ingested_ += n; }
  void add_events_duplicate(uint64_t n) { events_duplicate_ += n; }
  void add_events_rejected(uint64_t n) { events_rejected_ += n; }

  // The exposition text, with the store's gauges from `stats`.
  std::string render(const ServiceStats& stats) const;

 private:
  struct Series {
    uint64_t count = 0;
    double sum = 0;
    std::array<uint64_t, kBuckets.size()> buckets{};  // non-cumulative
  };
  using Key = std::tuple<std::string, std::string, int>;  // method, route, status

  mutable std::mutex mu_;
  std::map<Key, Series> requests_;  // guarded by mu_
  std::atomic<uint64_t> events_ingested_{0};
  std::atomic<uint64_t> events_duplicate_{0};
  std::atomic<uint64_t> events_rejected_{0};
};

}  // namespace attnrec::service
