#include "service/metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <limits>
#include <sstream>
#include <vector>

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

size_t bucket_of(double seconds) {
  return static_cast<size_t>(std::lower_bound(Metrics::kBuckets.begin(), Metrics::kBuckets.end(), seconds) -
                             Metrics::kBuckets.begin());
}

uint64_t to_ns(double seconds) { return seconds > 0 ? static_cast<uint64_t>(seconds * 1e9) : 0; }

}  // namespace

void Metrics::Counters::add(double seconds) {
  count.fetch_add(1, std::memory_order_relaxed);
  sum_ns.fetch_add(to_ns(seconds), std::memory_order_relaxed);
  if (const size_t b = bucket_of(seconds); b < buckets.size()) buckets[b].fetch_add(1, std::memory_order_relaxed);
}

Metrics::RequestSeries* Metrics::request_series(std::string_view method, std::string_view route) {
  std::lock_guard lock(mu_);
  for (RequestSeries& s : series_) {
    if (s.method_ == method && s.route_ == route) return &s;
  }
  return &series_.emplace_back(method, route);
}

void Metrics::observe(RequestSeries* series, int status, double seconds) {
  const auto it = std::find(kStatuses.begin(), kStatuses.end(), status);
  if (it == kStatuses.end()) return observe_request(series->method_, series->route_, status, seconds);
  series->by_status_[size_t(it - kStatuses.begin())].add(seconds);
}

void Metrics::observe_request(std::string_view method, std::string_view route, int status,
                              double seconds) {
  std::lock_guard lock(mu_);
  Series& s = other_[Key{std::string(method), std::string(route), status}];
  ++s.count;
  s.sum_ns += to_ns(seconds);
  if (const size_t b = bucket_of(seconds); b < kBuckets.size()) ++s.buckets[b];
}

namespace {

// The process's own series, named as Prometheus's client libraries name
// them (process_cpu_seconds_total, ...), from /proc/self. Linux only; a
// series whose source cannot be read is left out.
void render_process(std::ostream& out) {
  std::ifstream stat("/proc/self/stat");
  std::string line;
  if (std::getline(stat, line)) {
    // Fields after the command name, which is in parentheses and may hold spaces.
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::vector<std::string> f;
    for (std::string x; rest >> x;) f.push_back(x);
    // rest[0] is field 3 (state): utime 14, stime 15, starttime 22, vsize 23, rss 24.
    if (f.size() > 21) {
      const double tick = double(sysconf(_SC_CLK_TCK));
      const double cpu = (std::stod(f[11]) + std::stod(f[12])) / tick;
      double boot = 0;
      std::ifstream proc_stat("/proc/stat");
      for (std::string key; proc_stat >> key;) {
        if (key == "btime") {
          proc_stat >> boot;
          break;
        }
        proc_stat.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
      }
      out << "# HELP process_cpu_seconds_total User and system CPU time, seconds.\n"
             "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total "
          << cpu << '\n';
      if (boot > 0) {
        out << "# HELP process_start_time_seconds Start time, seconds since the epoch.\n"
               "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds "
            << std::fixed << std::setprecision(2) << boot + std::stod(f[19]) / tick << std::defaultfloat
            << '\n';
      }
      out << "# HELP process_virtual_memory_bytes Virtual memory size.\n"
             "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes "
          << f[20] << "\n# HELP process_resident_memory_bytes Resident memory size.\n"
             "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes "
          << uint64_t(std::stoull(f[21]) * uint64_t(sysconf(_SC_PAGESIZE))) << '\n';
    }
  }
  std::error_code ec;
  size_t fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++fds;
  if (!ec) {
    out << "# HELP process_open_fds Open file descriptors.\n"
           "# TYPE process_open_fds gauge\nprocess_open_fds "
        << fds << '\n';
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    out << "# HELP process_max_fds The open file descriptors' limit.\n"
           "# TYPE process_max_fds gauge\nprocess_max_fds "
        << limit.rlim_cur << '\n';
  }
}

}  // namespace

std::string Metrics::render(const ServiceStats& stats) const {
  // One sorted table of everything observed so far.
  std::map<Key, Series> copy;
  {
    std::lock_guard lock(mu_);
    copy = other_;
    for (const RequestSeries& rs : series_) {
      for (size_t i = 0; i < kStatuses.size(); ++i) {
        const Counters& c = rs.by_status_[i];
        const uint64_t n = c.count.load(std::memory_order_relaxed);
        if (n == 0) continue;
        Series& s = copy[Key{rs.method_, rs.route_, kStatuses[i]}];
        s.count += n;
        s.sum_ns += c.sum_ns.load(std::memory_order_relaxed);
        for (size_t b = 0; b < kBuckets.size(); ++b) s.buckets[b] += c.buckets[b].load(std::memory_order_relaxed);
      }
    }
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
    out << "attnrec_http_request_duration_seconds_sum{" << labels << "} " << double(s.sum_ns) * 1e-9 << '\n';
    out << "attnrec_http_request_duration_seconds_count{" << labels << "} " << s.count << '\n';
  }
  // One unlabelled series each: name, help, type, value.
  const struct {
    const char* name;
    const char* help;
    const char* type;
    uint64_t value;
  } plain[] = {
      {"attnrec_events_ingested_total", "Events stored since start.", "counter", events_ingested_.load()},
      {"attnrec_events_duplicate_total", "Events skipped as repeats of an idempotency key.", "counter",
       events_duplicate_.load()},
      {"attnrec_events_rejected_total", "Events in rejected ingest requests.", "counter", events_rejected_.load()},
      {"attnrec_store_events", "Events in the store.", "gauge", stats.events},
      {"attnrec_store_users", "Users in the store.", "gauge", stats.users},
      {"attnrec_store_items", "Items known to the store.", "gauge", stats.items},
      {"attnrec_store_catalog_items", "Items with a catalog entry.", "gauge", stats.catalog_items},
      {"attnrec_store_disk_bytes", "Approximate bytes on disk.", "gauge", stats.disk_bytes},
      {"attnrec_encoder_cache_hits_total", "Requests answered with a cached user vector.", "counter",
       stats.encoder_cache_hits},
      {"attnrec_encoder_cache_misses_total", "Requests that ran the encoder (cache on).", "counter",
       stats.encoder_cache_misses},
      {"attnrec_encoder_cache_entries", "Users with a cached vector.", "gauge", stats.encoder_cache_entries},
      {"attnrec_encoder_cache_capacity", "Users the cache may hold (0 = off).", "gauge",
       stats.encoder_cache_capacity},
  };
  for (const auto& m : plain) {
    out << "# HELP " << m.name << ' ' << m.help << "\n# TYPE " << m.name << ' ' << m.type << '\n'
        << m.name << ' ' << m.value << '\n';
  }

  // The model that serves, and the training jobs.
  const bool model = !stats.model_version.empty();
  out << "# HELP attnrec_model_info The serving model: its version, or kind popularity when none.\n"
         "# TYPE attnrec_model_info gauge\n"
      << "attnrec_model_info{version=\"" << escape_label(stats.model_version) << "\",kind=\""
      << (model ? "sasrec" : "popularity") << "\"} 1\n";
  if (model) {
    out << "# HELP attnrec_model_age_seconds Seconds since the serving model was trained.\n"
           "# TYPE attnrec_model_age_seconds gauge\n"
        << "attnrec_model_age_seconds " << double(std::max<int64_t>(0, stats.now_ms - stats.model_created_ms)) * 1e-3
        << "\n# HELP attnrec_model_valid_ndcg10 Validation NDCG@10 (full ranking) of the serving model.\n"
           "# TYPE attnrec_model_valid_ndcg10 gauge\n"
        << "attnrec_model_valid_ndcg10 " << stats.model_valid_ndcg << '\n';
  }
  static constexpr const char* kJobStates[] = {"queued", "running", "succeeded", "failed", "cancelled"};
  out << "# HELP attnrec_training_jobs Training jobs listed, by state.\n"
         "# TYPE attnrec_training_jobs gauge\n";
  for (size_t i = 0; i < stats.training_jobs.size(); ++i) {
    out << "attnrec_training_jobs{state=\"" << kJobStates[i] << "\"} " << stats.training_jobs[i] << '\n';
  }
  render_process(out);
  return out.str();
}

}  // namespace attnrec::service
