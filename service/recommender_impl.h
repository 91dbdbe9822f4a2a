// Recommender's private state, shared by its translation units:
// recommender.cpp (ingest, catalog, history, erase), recommend.cpp
// (recommendations, rank, similar, explain, search) and models.cpp (registry,
// activation, training jobs, schedule). Not part of any public contract.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "service/catalog.h"
#include "service/config.h"
#include "service/metrics.h"
#include "service/model_registry.h"
#include "service/popularity.h"
#include "service/recommender.h"
#include "service/search_index.h"
#include "service/serving_model.h"
#include "service/storage_status.h"
#include "service/train_jobs.h"
#include "storage/store.h"

namespace attnrec::service {

inline std::string quoted(std::string_view id) { return "'" + std::string(id) + "'"; }

// Items a result must not contain, and the tags it must have one of.
struct ItemFilter {
  std::unordered_set<uint32_t> excluded;  // store item ids
  std::vector<std::string> tags;
};

struct Recommender::Impl {
  Config config;
  std::unique_ptr<storage::Store> store;
  Popularity popularity;
  Catalog catalog;
  SearchIndex search_index;
  mutable Metrics metrics;
  std::unique_ptr<ModelRegistry> registry;
  LiveModel live;
  std::mutex activate_mu;  // one activation at a time
  std::atomic<bool> ready{false};

  // The schedule: retrain every N minutes or N new events.
  std::atomic<uint64_t> events_since_train{0};
  std::mutex schedule_mu;
  std::condition_variable schedule_cv;
  bool stopping = false;  // guarded by schedule_mu
  std::thread scheduler;
  // Declared last: destroyed first, so no job runs against a dying Impl.
  std::unique_ptr<TrainJobs> jobs;

  explicit Impl(const Config& c);
  ~Impl();

  Status load();
  Status load_live_model();
  // Loads a registered version and swaps it in; the live model stays on failure.
  Status activate(std::string_view version);
  bool eligible(uint32_t item, const ItemFilter& filter) const;
  // The store ids of a user's recent history (oldest first); empty if unknown.
  Status user_history(std::string_view user, std::vector<uint32_t>* items) const;
  // Store ids of external item ids; unknown ones are skipped.
  std::vector<uint32_t> find_items(const std::vector<std::string>& items) const;
  // Popularity top-k under a filter.
  void popular(size_t k, const ItemFilter& filter, Recommendations* out) const;

  // Training (models.cpp).
  Status run_job(const boost::json::object& options, JobContext& ctx);
  void schedule_loop();
};

}  // namespace attnrec::service
