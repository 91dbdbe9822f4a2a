#include "service/metrics.h"

#include <algorithm>
#include <sstream>

namespace attnrec::service {
namespace {

// Label values are our own route templates and methods, but escape anyway:
// a malformed exposition breaks every scrape.
std::string escape_label(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') { out += "\\n"; continue; }
    out += c;
  }
  return out;
}

}  // namespace

void Metrics::observe_request(std::string_view method, std::string_view route, int status,
                              double seconds) {
  const auto bucket = static_cast<size_t>(
      std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) - kBuckets.begin());
  std::lock_guard lock(mu_);
  Series& s = requests_[Key{std::string(method), std::string(route), status}];
  ++s.count;
  s.sum += seconds;
  if (bucket < kBuckets.size()) ++s.buckets[bucket];
}

std::string Metrics::render(const ServiceStats& stats) const {
  std::map<Key, Series> copy;
  {
    std::lock_guard lock(mu_);
    copy = requests_;
  }
  std::ostringstream out;
  out << "# HELP attnrec_http_requests_total HTTP requests by method, route and status.\n"
         "# TYPE attnrec_http_requests_total counter\n";
  for (const auto& [key, s] : copy) {
    const auto& [method, route, status] = key;
    out << "attnrec_http_requests_total{method=\"" << escape_label(method) << "\",route=\""
        << escape_label(route) << "\",status=\"" << status << "\"} " << s.count << '\n';
  }
  out << "# HELP attnrec_http_request_duration_seconds HTTP request latency.\n"
         "# TYPE attnrec_http_request_duration_seconds histogram\n";
  for (const auto& [key, s] : copy) {
    const auto& [method, route, status] = key;
    const std::string labels = "method=\"" + escape_label(method) + "\",route=\"" +
                               escape_label(route) + "\",status=\"" + std::to_string(status) + "\"";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += s.buckets[i];
      out << "attnrec_http_request_duration_seconds_bucket{" << labels << ",le=\"" << kBuckets[i]
          << "\"} " << cumulative << '\n';
    }
    out << "attnrec_http_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} "
        << s.count << '\n';
    out << "attnrec_http_request_duration_seconds_sum{" << labels << "} " << s.sum << '\n';
    out << "attnrec_http_request_duration_seconds_count{" << labels << "} " << s.count << '\n';
  }
  out << "# HELP attnrec_events_ingested_total Events stored since start.\n"
         "# TYPE attnrec_events_ingested_total counter\n"
         "attnrec_events_ingested_total " << events_ingested_.load() << '\n'
      << "# HELP attnrec_events_duplicate_total Events skipped as repeats of an idempotency key.\n"
         "# TYPE attnrec_events_duplicate_total counter\n"
         "attnrec_events_duplicate_total " << events_duplicate_.load() << '\n'
      << "# HELP attnrec_events_rejected_total Events in rejected ingest requests.\n"
         "# TYPE attnrec_events_rejected_total counter\n"
         "attnrec_events_rejected_total " << events_rejected_.load() << '\n'
      << "# HELP attnrec_store_events Events in the store.\n"
         "# TYPE attnrec_store_events gauge\n"
         "attnrec_store_events " << stats.events << '\n'
      << "# HELP attnrec_store_users Users in the store.\n"
         "# TYPE attnrec_store_users gauge\n"
         "attnrec_store_users " << stats.users << '\n'
      << "# HELP attnrec_store_items Items known to the store.\n"
         "# TYPE attnrec_store_items gauge\n"
         "attnrec_store_items " << stats.items << '\n'
      << "# HELP attnrec_store_catalog_items Items with a catalog entry.\n"
         "# TYPE attnrec_store_catalog_items gauge\n"
         "attnrec_store_catalog_items " << stats.catalog_items << '\n'
      << "# HELP attnrec_store_disk_bytes Approximate bytes on disk.\n"
         "# TYPE attnrec_store_disk_bytes gauge\n"
         "attnrec_store_disk_bytes " << stats.disk_bytes << '\n';
  return out.str();
}

}  // namespace attnrec::service
