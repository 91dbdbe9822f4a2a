// Process metrics in the Prometheus text format (version 0.0.4).
//
// Request series are registered before serving, one per (method, route
// template), each with atomic counters per status code: observing a request
// on the hot path is a few relaxed atomic adds, no lock. Requests that match
// no registered series (an unknown path or method) go to a map under a
// mutex: they are errors and rare. Event counters are atomics.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace attnrec::service {

// The store's and the caches' gauges, as /metrics shows them.
struct ServiceStats {
  uint64_t users = 0;          // users ever assigned an id
  uint64_t items = 0;          // items ever assigned an id
  uint64_t events = 0;         // events stored
  uint64_t catalog_items = 0;  // items with a catalog entry
  uint64_t disk_bytes = 0;
  uint64_t encoder_cache_hits = 0;
  uint64_t encoder_cache_misses = 0;
  uint64_t encoder_cache_entries = 0;
  uint64_t encoder_cache_capacity = 0;
  std::string model_version;      // empty: the popularity fallback serves
  int64_t model_created_ms = 0;   // when that version was trained
  double model_valid_ndcg = 0;
  int64_t now_ms = 0;
  std::array<uint64_t, 5> training_jobs{};  // by JobState: queued, running, succeeded, failed, cancelled
};

class Metrics {
 public:
  // Latency buckets (seconds) of attnrec_http_request_duration_seconds.
  static constexpr std::array<double, 12> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};
  // The status codes the API answers with; each registered series has a
  // counter set for each.
  static constexpr std::array<int, 22> kStatuses = {200, 201, 202, 204, 206, 400, 401, 403,
                                                    404, 405, 408, 409, 411, 413, 415, 422,
                                                    429, 431, 500, 501, 503, 507};

  class RequestSeries;

  Metrics() = default;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The series of (method, route), created on first call; the pointer stays
  // valid as long as this object. `route` is the route template
  // ("/v1/users/{user}/history"), never the raw path, to bound cardinality.
  RequestSeries* request_series(std::string_view method, std::string_view route);

  // One finished HTTP request on a registered series: lock-free.
  void observe(RequestSeries* series, int status, double seconds);
  // One finished request that has no registered series.
  void observe_request(std::string_view method, std::string_view route, int status,
                       double seconds);

  void add_events_ingested(uint64_t n) { events_ingested_ += n; }
  void add_events_duplicate(uint64_t n) { events_duplicate_ += n; }
  void add_events_rejected(uint64_t n) { events_rejected_ += n; }

  // The exposition text, with the store's gauges from `stats`.
  std::string render(const ServiceStats& stats) const;

 private:
  struct Counters {
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sum_ns{0};
    std::array<std::atomic<uint64_t>, kBuckets.size()> buckets{};  // non-cumulative
    void add(double seconds);
  };
  struct Series {  // a copy, for rendering and the rare-path map
    uint64_t count = 0;
    uint64_t sum_ns = 0;
    std::array<uint64_t, kBuckets.size()> buckets{};
  };
  using Key = std::tuple<std::string, std::string, int>;  // method, route, status

 public:
  class RequestSeries {
   public:
    RequestSeries(std::string_view method, std::string_view route) : method_(method), route_(route) {}
    const std::string& method() const { return method_; }
    const std::string& route() const { return route_; }

   private:
    friend class Metrics;
    std::string method_, route_;
    std::array<Counters, kStatuses.size()> by_status_;
  };

 private:
  mutable std::mutex mu_;
  std::deque<RequestSeries> series_;  // guarded by mu_ (growth only); elements never move
  std::map<Key, Series> other_;       // guarded by mu_
  std::atomic<uint64_t> events_ingested_{0};
  std::atomic<uint64_t> events_duplicate_{0};
  std::atomic<uint64_t> events_rejected_{0};
};

}  // namespace attnrec::service
