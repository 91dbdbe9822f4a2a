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

class ModelLifecycle {
 public:
  // Every reference must outlive this object.
  ModelLifecycle(storage::Store& store, LiveModel& live, const Config& config);
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
  // checkpoint that cannot be loaded.
  Status activate(std::string_view version);
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
  Status run_job(const TrainOptions& options, const std::string& trigger, JobContext& ctx);
  void schedule_loop();

  storage::Store& store_;
  LiveModel& live_;
  const Config& config_;
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
