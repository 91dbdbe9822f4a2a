// Service configuration with production defaults. Filled by the command line
// (flags > ATTNREC_* environment variables > defaults).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/item_index.h"
#include "model/type_policy.h"

namespace attnrec::service {

// Background jobs train on one thread (leaving a core to serving on 2-core
// machines) within a 30-minute budget; everything else is the model's default.
inline model::TrainConfig background_train_defaults() {
  model::TrainConfig t;
  t.threads = 1;
  t.max_minutes = 30;
  return t;
}

// Cluster mode (service/cluster/, docs/scale-out.md): off while `nats` is
// empty, and then nothing of NATS is used.
struct ClusterConfig {
  std::vector<std::string> nats;   // server URLs, nats://HOST:PORT
  std::vector<std::string> nodes;  // every node's name, in the same order on every node
  std::string node;                // this node's name, one of `nodes`
  uint32_t shards = 16;            // fixed when the cluster is created; at least nodes.size()
  int replicas = 0;                // of the event stream; 0 = min(3, nats.size())
  // `attnrec train --nats`: views every shard, answers no requests, and
  // publishes the models it activates (service/cluster/model_log.h);
  // `nodes` is then just {node}.
  bool trainer = false;
  bool enabled() const { return !nats.empty(); }
};

struct Config {
  std::string data_dir = "./var";   // DATA_DIR/store (RocksDB), DATA_DIR/models (checkpoints)
  bool sync_writes = true;          // WAL fsync before an ingest is acknowledged
  size_t max_batch_events = 10000;  // events per ingest request
  size_t max_batch_items = 10000;   // items per batch upsert
  size_t max_k = 1000;              // largest k a caller may ask for
  size_t history_cap = 512;         // newest events kept per user for serving
  // What each event type means (model/type_policy.h), for serving and for
  // every retrain alike: positives form the history the encoder reads (with
  // their loss weights in training), an item a user marked with a negative
  // type is never recommended to that user, other types are ignored. The
  // types are read from the user's newest history_cap events.
  model::TypePolicy types;
  // Users whose encoder output and history are cached (LRU; about
  // 4 * (d + history length) + 100 bytes each, ~1 KB on ML-1M with the
  // default model); 0 turns the cache off (service/recommend/encoder_cache.h).
  size_t encoder_cache_users = 100'000;
  model::IndexOptions item_index;   // exact | hnsw | auto, per serving model
  double popularity_half_life_days = 7.0;  // recency decay of the fallback
  int64_t popularity_refresh_ms = 1000;    // how stale the cached ranking may be

  // Search: how many text candidates are re-ranked, and the weight w of the
  // model in the blend softmax((1 - w) * bm25 + w * logit) (service/search/search.h).
  size_t search_candidates = 200;
  double search_personal_weight = 0.5;
  size_t max_query_bytes = 512;

  // Retraining in the background (POST /v1/admin/train and the schedule).
  double activate_margin = 0.0;      // activate when valid NDCG@10 >= live - margin
  bool activate_always = false;
  model::Config model;               // defaults of every retrain (overridable per job)
  model::TrainConfig train = background_train_defaults();
  double retrain_every_minutes = 0;  // 0 = off
  uint64_t retrain_every_events = 0; // 0 = off

  ClusterConfig cluster;
};

}  // namespace attnrec::service
