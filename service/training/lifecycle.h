// The life of models in the service: the registry of trained versions, the
// live model requests use, background retrain jobs with their schedule, and
// the activation rule (a new version goes live when its validation NDCG@10
// beats popularity's on the same validation items and is not worse than the
// live model's on the same split, or always). A version that does not beat
// popularity is registered, not activated: the live model, or the
// popularity fallback when there is none, keeps serving.
//
// Thread safety: every method may be called from any number of threads at
// once. A failed activation or job leaves the live model serving.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"
#include "service/training/job_journal.h"
#include "service/training/jobs.h"
#include "service/training/live_model.h"
#include "service/training/registry.h"
#include "service/training/train_options.h"

namespace attnrec::storage { class Store; }

namespace attnrec::service {

struct Config;

// Cluster mode (service/cluster/model_log.h) shares models through the
// cluster; how this process takes part:
//   kLocal     no cluster: trains, registers and activates its own models
//   kTrainer   `attnrec train --nats`: trains like kLocal, and a version it
//              activates is published as the cluster's active one first
//   kFollower  a serving node: never trains or activates by itself; it
//              follows the cluster's active version (follow())
enum class ModelRole { kLocal, kTrainer, kFollower };

class ModelLifecycle {
 public:
  // Publishes a version, its record and checkpoint bytes, as the cluster's
  // active model (kTrainer).
  using PublishFn = std::function<Status(const ModelRecord& record, const std::string& checkpoint)>;
  // A version's record and checkpoint bytes as the cluster has them (the
  // record alone when `checkpoint` is null).
  using FetchFn = std::function<Status(std::string_view version, ModelRecord* record, std::string* checkpoint)>;

  // Every reference must outlive this object. `publish` is needed by
  // kTrainer only.
  ModelLifecycle(storage::Store& store, LiveModel& live, const Config& config,
                 ModelRole role = ModelRole::kLocal, PublishFn publish = {});
  // Stops the schedule and cancels a running job (waiting for it).
  ~ModelLifecycle();
  ModelLifecycle(const ModelLifecycle&) = delete;
  ModelLifecycle& operator=(const ModelLifecycle&) = delete;

  // Removes what a crash left in DATA_DIR/models/ (temporary files, and
  // checkpoints no registry record names), loads the
  // active version into the live model, then starts the job worker and the
  // schedule; jobs a crash interrupted are listed as failed. When the active version cannot be loaded (record or file
  // missing, file failing its checks) the previously active version serves,
  // or else the popularity fallback, until a model is activated; either is
  // reported on stderr and the start succeeds.
  Status start();

  // The settings a job runs with when nothing is overridden.
  TrainOptions default_options() const;

  // Registry records, oldest first.
  Status list(std::vector<ModelRecord>* records) const;
  // Loads the version and swaps it in atomically; on any failure the live
  // model keeps serving. kNotFound for an unknown version, kConflict for a
  // checkpoint that cannot be loaded, and for a kFollower (the cluster's
  // trainer activates). A kTrainer publishes the version to the cluster
  // before it swaps it in here (kUnavailable when the cluster does not take
  // it; nothing changes then).
  Status activate(std::string_view version);
  // kTrainer, kFollower: makes `version`, the cluster's active one, live
  // here, from this registry when it has the same version (the same
  // record: a directory that served alone before may have its own vN),
  // else fetched with `fetch` and registered first; every item of the model gets a store id
  // (a node may not have seen them all yet), so that events applied later
  // are read by the model. Nothing is published. On failure the live model
  // keeps serving.
  Status follow(std::string_view version, const FetchFn& fetch);
  ModelRole role() const { return role_; }
  // Empty when no model serves.
  std::string live_version() const;

  // Queues a retrain job; kInvalidArgument for bad options.
  Status start_training(const TrainOptions& options, std::string* job_id);
  Status job(std::string_view id, TrainJob* job) const;
  Status cancel(std::string_view id);
  // Training jobs listed now, by JobState.
  std::array<uint64_t, 5> job_counts() const { return jobs_->count_by_state(); }
  // Runs one training job on the calling thread (`attnrec train --data-dir`):
  // the same pipeline, registry and activation rule as a queued job.
  // Progress and the final record (version, metrics, decision) reach `ctx`.
  Status train_now(const TrainOptions& options, JobContext& ctx);

  // Counts new events towards Config::retrain_every_events.
  void on_events(uint64_t n);

 private:
  Status load_live();
  // Swaps a loaded version in (activate_mu_ held).
  Status make_live(std::string_view version, const ModelRecord& record,
                   std::shared_ptr<const model::Model> net);
  Status refuse_follower(std::string_view what) const;
  Status run_job(const TrainOptions& options, const std::string& trigger, JobContext& ctx);
  void schedule_loop();

  storage::Store& store_;
  LiveModel& live_;
  const Config& config_;
  const ModelRole role_;
  const PublishFn publish_;
  ModelRegistry registry_;
  std::mutex activate_mu_;  // one activation at a time

  // The schedule: retrain every N minutes or N new events.
  std::atomic<uint64_t> events_since_train_{0};
  std::mutex schedule_mu_;
  std::condition_variable schedule_cv_;
  bool stopping_ = false;  // guarded by schedule_mu_
  std::thread scheduler_;
  JobJournal journal_;
  // Declared last: destroyed first, so no job runs against a dying object.
  std::unique_ptr<TrainJobs> jobs_;
};

}  // namespace attnrec::service
