// Service configuration with production defaults. Filled by the command line
// (flags > ATTNREC_* environment variables > defaults).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace attnrec::service {

struct Config {
  std::string data_dir = "./var";   // the embedded store lives here
  bool sync_writes = true;          // WAL fsync before an ingest is acknowledged
  size_t max_batch_events = 10000;  // events per ingest request
  size_t max_batch_items = 10000;   // items per batch upsert
  size_t max_k = 1000;              // largest k a caller may ask for
  size_t history_cap = 512;         // newest events kept per user for serving
  double popularity_half_life_days = 7.0;  // recency decay of the fallback
  int64_t popularity_refresh_ms = 1000;    // how stale the cached ranking may be
};

}  // namespace attnrec::service
