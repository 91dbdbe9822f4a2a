// Background retrain jobs: a FIFO queue worked by one thread, so at most one
// job trains at a time. Each job has a state, live progress, a record per
// finished epoch, the final metrics and the model version it produced.
//
// The training thread runs at a lower CPU priority (nice +10) than the
// request threads, so serving keeps its latency while a job runs.
//
// With a JobJournal the records survive a restart: each change of state is
// saved, and at construction the saved jobs come back (those the previous
// process left queued or running as failed); new ids follow the saved ones.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"
#include "model/evaluator.h"
#include "model/metrics.h"
#include "model/trainer.h"
#include "service/training/train_options.h"

namespace attnrec::service {

enum class JobState { kQueued, kRunning, kSucceeded, kFailed, kCancelled };

// "queued" | "running" | "succeeded" | "failed" | "cancelled".
std::string_view job_state_name(JobState state);

// What a finished job measured.
struct JobMetrics {
  model::RankMetrics valid;  // full ranking, the selected epoch
  model::TestReport test;    // the test items, both protocols
  int best_epoch = 0;
  std::string stop_reason;
  double seconds = 0;        // training wall clock
  // Popularity over the items trained on, on the same validation items as
  // `valid` (model/popularity_baseline.h).
  model::RankMetrics popularity_valid;
};

struct TrainJob {
  std::string id;
  JobState state = JobState::kQueued;
  std::string trigger;           // "api", "schedule", "cli"
  TrainOptions options;          // the settings it runs with
  int64_t created_ms = 0, started_ms = 0, finished_ms = 0;
  // Progress of the running epoch.
  int epoch = 0, epochs = 0, batch = 0, batches = 0;
  double loss = 0, seqs_per_sec = 0, eta_seconds = 0;
  std::vector<model::EpochStats> history;  // one per finished epoch
  std::optional<JobMetrics> metrics;       // when training finished
  std::string version;           // the model version it wrote
  bool activated = false;
  std::string decision;          // why it was or was not activated
  std::string error;
  // A job restored from the journal: its options as they were saved (JSON;
  // `options` is not rebuilt from them). Empty for a job of this process.
  std::string restored_options;
};

class JobJournal;

// What a job's run function may do while it works.
class JobContext {
 public:
  virtual ~JobContext() = default;
  virtual bool cancelled() const = 0;
  // Edits the job's public record under the manager's lock.
  virtual void update(const std::function<void(TrainJob&)>& edit) = 0;
};

class TrainJobs {
 public:
  // Runs one job; its Status decides failed vs succeeded (kCancelled, or any
  // return after the context was cancelled, marks it cancelled). Must not
  // throw: an exception is a bug, caught and reported as a failed job.
  using RunFn =
      std::function<Status(const TrainOptions& options, const std::string& trigger, JobContext& ctx)>;

  // `journal` may be null (nothing kept across restarts); it must outlive
  // this object. A journal that cannot be read or written is reported on
  // stderr and jobs go on without it.
  explicit TrainJobs(RunFn run, JobJournal* journal = nullptr, size_t keep_finished = 100);
  ~TrainJobs();  // cancels the running job and waits for it; queued ones are cancelled

  std::string submit(TrainOptions options, std::string trigger);
  Status get(std::string_view id, TrainJob* job) const;
  // A queued job is cancelled at once; a running one at its next batch.
  // kConflict when the job has already finished.
  Status cancel(std::string_view id);
  bool busy() const;
  // Jobs listed now, by JobState (index: the enum's value).
  std::array<uint64_t, 5> count_by_state() const;

 private:
  class Context;
  void work();
  void restore();
  // Saves every job's record; called after each change of state, without mu_.
  void persist();

  RunFn run_;
  JobJournal* const journal_;
  std::mutex persist_mu_;  // saves in order: each one copies the records under it
  const size_t keep_finished_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<TrainJob>, std::less<>> jobs_;  // guarded by mu_
  std::deque<std::string> queue_;                          // guarded by mu_
  std::deque<std::string> finished_;                       // guarded by mu_, oldest first
  std::string running_;                                    // guarded by mu_
  std::atomic<bool> cancel_running_{false};
  uint64_t next_id_ = 1;                                   // guarded by mu_
  bool stopping_ = false;                                  // guarded by mu_
  std::thread worker_;
};

}  // namespace attnrec::service
