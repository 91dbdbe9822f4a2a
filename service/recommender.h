// The recommender service without HTTP: ingest, catalog, history, erase and
// recommendations over the embedded store.
//
// Thread safety: every public method may be called from any number of threads
// at once. A rejected request (any non-ok Status) has written nothing.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "service/config.h"
#include "service/metrics.h"
#include "service/status.h"
#include "service/train_jobs.h"
#include "service/types.h"

namespace attnrec::service {

class Recommender {
 public:
  // Opens (or creates) the store under config.data_dir and rebuilds in-memory
  // aggregates (popularity). A store that cannot be opened is reported.
  static Status open(const Config& config, std::unique_ptr<Recommender>* out);
  ~Recommender();
  Recommender(const Recommender&) = delete;
  Recommender& operator=(const Recommender&) = delete;

  const Config& config() const;

  // Validates every event first (a bad one rejects the whole batch with its
  // index in the message), then stores all atomically and durably.
  // kTooLarge when over config.max_batch_events.
  Status ingest(std::span<const EventInput> events, IngestResult* result);

  // Catalog. put_items is all-or-nothing; get/delete of an unknown item: kNotFound.
  Status put_item(Item item);
  Status put_items(std::vector<Item> items);
  Status get_item(std::string_view id, Item* item) const;
  Status delete_item(std::string_view id);

  // The user's newest `limit` events, newest last. kNotFound for an unknown user.
  Status history(std::string_view user, size_t limit, std::vector<HistoryEvent>* out) const;

  // Erases the user and all their events. kNotFound for an unknown user.
  Status erase_user(std::string_view user);

  // Top-k for a stored user or a session history. Unknown users and empty
  // histories get the recency-decayed popularity fallback (strategy says so).
  Status recommend(const RecommendRequest& request, Recommendations* out) const;

  // Ranks candidates (all of them come back). Items the model does not know
  // come last, scored by popularity and marked `fallback`.
  Status rank(const RankRequest& request, RankResults* out) const;

  // Nearest items by embedding cosine. kNotFound for an unknown item;
  // kUnavailable when no model is loaded; kConflict when the model does not
  // know the item yet (added after training).
  Status similar(std::string_view item, size_t k, Recommendations* out) const;

  // Attention of the user's last history position, per layer and head, and
  // the item's score. kNotFound for unknown users/items, kUnavailable without
  // a model.
  Status explain(std::string_view user, std::string_view item, Explanation* out) const;

  // Text retrieval over the catalog, re-ranked for the user or session when
  // a model knows them. kInvalidArgument for an empty or over-long query.
  Status search(const SearchRequest& request, SearchResults* out) const;

  // --- models -------------------------------------------------------------
  // Registry records, oldest first, each with "active": bool.
  Status list_models(boost::json::array* out) const;
  // Loads the version and swaps it in atomically; on any failure the live
  // model keeps serving. kNotFound for an unknown version.
  Status activate_model(std::string_view version);
  // Empty when no model serves.
  std::string live_model_version() const;

  // --- training -----------------------------------------------------------
  // Queues a retrain job with optional overrides ({"epochs":..,"max_minutes":..,
  // "loss":..,"dim":..,"activate":"always"|"if_not_worse", ...}); kInvalidArgument
  // for unknown or bad overrides.
  Status start_training(const boost::json::object& options, std::string* job_id);
  Status training_job(const std::string& id, TrainJob* job) const;
  Status cancel_training(const std::string& id);
  // Runs one training job on the calling thread (`attnrec train --data-dir`):
  // the same options, pipeline, registry and activation rule as a queued job.
  // Progress and the final record (version, metrics, decision) reach `ctx`.
  Status train_now(const boost::json::object& options, JobContext& ctx);

  // True once open() has finished and the service can answer.
  bool ready() const;
  ServiceStats stats() const;
  // Counters for /metrics; the API records its requests here too.
  Metrics& metrics() const;

 private:
  struct Impl;
  explicit Recommender(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace attnrec::service
